package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TenantId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionQueriesTest {
  private final AuthFixture fx = new AuthFixture();

  @Test
  void listingPagesThroughEveryConnectionInIdOrder() {
    for (String id : List.of("e", "b", "d", "a", "c")) {
      fx.connect(id);
    }
    fx.connect(new TenantId("acme2"), "aa"); // another tenant's connections never show up

    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListConnections.Page page =
          fx.useCases
              .listConnections()
              .execute(new ListConnections.Command(AuthFixture.TENANT, 2, token));
      page.connections().forEach(c -> seen.add(c.name().connectionId()));
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(seen).containsExactly("a", "b", "c", "d", "e");
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void aPageTokenFromAnotherTenantIsRefused() {
    fx.connect("a");
    fx.connect("b");
    String token =
        fx.useCases
            .listConnections()
            .execute(new ListConnections.Command(AuthFixture.TENANT, 1, ""))
            .nextPageToken();

    assertThatThrownBy(
            () ->
                fx.useCases
                    .listConnections()
                    .execute(new ListConnections.Command(new TenantId("other"), 1, token)))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> assertThat(e.violations()).extracting("field").containsExactly("page_token"));
  }

  @Test
  void deleteRemovesTheConnectionAndTheSecondDeleteIsNotFound() {
    var alice = fx.connect("alice");
    Connection got = fx.useCases.getConnection().execute(alice);
    assertThat(got.subject()).isEqualTo("user-1");

    fx.useCases.deleteConnection().execute(alice);

    assertThatThrownBy(() -> fx.useCases.getConnection().execute(alice))
        .isInstanceOfSatisfying(
            GatewayException.NotFound.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CONNECTION_NOT_FOUND));
    assertThatThrownBy(() -> fx.useCases.deleteConnection().execute(alice))
        .isInstanceOf(GatewayException.NotFound.class);
  }
}
