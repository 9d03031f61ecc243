package dev.cozegateway.bootstrap;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What grpcurl does with a server that has reflection and no proto files: list services, fetch
 * their descriptors over reflection, and make a unary call from JSON, printing JSON back.
 */
final class ReflectionClient {
  private final ManagedChannel channel;

  ReflectionClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** {@code grpcurl ADDR list}. */
  List<String> listServices() throws Exception {
    return reflect(ServerReflectionRequest.newBuilder().setListServices("").build())
        .getListServicesResponse()
        .getServiceList()
        .stream()
        .map(ServiceResponse::getName)
        .toList();
  }

  /**
   * {@code grpcurl -d JSON ADDR service/method}: the response as JSON; a server stream's messages
   * as a JSON array.
   */
  String call(String fullMethod, String jsonRequest) throws Exception {
    int slash = fullMethod.lastIndexOf('/');
    String serviceName = fullMethod.substring(0, slash);
    ServiceDescriptor service = service(serviceName);
    MethodDescriptor method = service.findMethodByName(fullMethod.substring(slash + 1));
    if (method == null) {
      throw new IllegalArgumentException("no method " + fullMethod);
    }
    DynamicMessage.Builder request = DynamicMessage.newBuilder(method.getInputType());
    JsonFormat.parser().merge(jsonRequest, request);
    io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod =
        io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
            .setType(method.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY)
            .setFullMethodName(fullMethod)
            .setRequestMarshaller(marshaller(method.getInputType()))
            .setResponseMarshaller(marshaller(method.getOutputType()))
            .build();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    if (method.isServerStreaming()) {
      // grpcurl prints each message of a stream; here they come as one JSON array.
      List<String> messages = new java.util.ArrayList<>();
      ClientCalls.blockingServerStreamingCall(channel, grpcMethod, options, request.build())
          .forEachRemaining(
              message -> {
                try {
                  messages.add(JsonFormat.printer().print(message));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                  throw new IllegalStateException(e);
                }
              });
      return "[" + String.join(",", messages) + "]";
    }
    DynamicMessage response =
        ClientCalls.blockingUnaryCall(channel, grpcMethod, options, request.build());
    return JsonFormat.printer().print(response);
  }

  private static io.grpc.MethodDescriptor.Marshaller<DynamicMessage> marshaller(Descriptor type) {
    return ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(type));
  }

  private ServiceDescriptor service(String name) throws Exception {
    ServerReflectionResponse response =
        reflect(ServerReflectionRequest.newBuilder().setFileContainingSymbol(name).build());
    Map<String, FileDescriptorProto> protos = new HashMap<>();
    for (ByteString bytes : response.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      FileDescriptorProto proto = FileDescriptorProto.parseFrom(bytes);
      protos.put(proto.getName(), proto);
    }
    Map<String, FileDescriptor> built = new HashMap<>();
    for (FileDescriptorProto proto : protos.values()) {
      FileDescriptor file = build(proto.getName(), protos, built);
      ServiceDescriptor service = file.findServiceByName(name.substring(name.lastIndexOf('.') + 1));
      if (service != null && service.getFullName().equals(name)) {
        return service;
      }
    }
    throw new IllegalArgumentException("reflection does not know " + name);
  }

  private static FileDescriptor build(
      String name, Map<String, FileDescriptorProto> protos, Map<String, FileDescriptor> built)
      throws DescriptorValidationException {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = protos.get(name);
    if (proto == null) {
      throw new IllegalStateException("reflection did not send " + name);
    }
    List<FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      dependencies.add(build(dependency, protos, built));
    }
    FileDescriptor file =
        FileDescriptor.buildFrom(proto, dependencies.toArray(new FileDescriptor[0]));
    built.put(name, file);
    return file;
  }

  private ServerReflectionResponse reflect(ServerReflectionRequest request) throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    answer.complete(response);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(request);
    ServerReflectionResponse response = answer.get(30, TimeUnit.SECONDS);
    requests.onCompleted();
    if (response.hasErrorResponse()) {
      throw new IllegalStateException(response.getErrorResponse().getErrorMessage());
    }
    return response;
  }
}
