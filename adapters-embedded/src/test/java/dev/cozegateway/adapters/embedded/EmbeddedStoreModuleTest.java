package dev.cozegateway.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreModuleTest {
  @TempDir Path tmp;

  @Test
  void buildingTheInjectorDoesNoIo() {
    Path dataDir = tmp.resolve("data");

    Injector injector = strictInjector(Stage.DEVELOPMENT, dataDir);

    assertThat(dataDir).doesNotExist();
    injector.getInstance(EmbeddedStore.class).close();
    assertThat(dataDir.resolve("gateway.mv.db")).isRegularFile();
  }

  @Test
  void bindsEveryStoreToOneSharedEmbeddedStore() {
    Injector injector = strictInjector(Stage.PRODUCTION, tmp);
    try {
      ConnectionStore connections = injector.getInstance(ConnectionStore.class);
      AuthorizationStore authorizations = injector.getInstance(AuthorizationStore.class);
      WorkflowRunStore runs = injector.getInstance(WorkflowRunStore.class);
      ServiceTokenStore serviceTokens = injector.getInstance(ServiceTokenStore.class);

      assertThat(connections).isInstanceOf(MvStoreConnectionStore.class);
      assertThat(authorizations).isInstanceOf(MvStoreAuthorizationStore.class);
      assertThat(runs).isInstanceOf(MvStoreWorkflowRunStore.class);
      assertThat(serviceTokens).isInstanceOf(MvStoreServiceTokenStore.class);
      assertThat(injector.getInstance(ConnectionStore.class)).isSameAs(connections);
      assertThat(injector.getInstance(AuthorizationStore.class)).isSameAs(authorizations);
      assertThat(injector.getInstance(WorkflowRunStore.class)).isSameAs(runs);
      assertThat(injector.getInstance(ServiceTokenStore.class)).isSameAs(serviceTokens);
      assertThat(injector.getInstance(EmbeddedStore.class).file())
          .isEqualTo(tmp.toAbsolutePath().resolve("gateway.mv.db"));
    } finally {
      injector.getInstance(EmbeddedStore.class).close();
    }
  }

  private static Injector strictInjector(Stage stage, Path dataDir) {
    return Guice.createInjector(
        stage,
        binder -> {
          binder.requireExplicitBindings();
          binder.disableCircularProxies();
          binder.bind(InstantSource.class).toInstance(InstantSource.system());
        },
        new EmbeddedStoreModule(new EmbeddedStoreConfig(dataDir)));
  }
}
