package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PkceTest {

  @Test
  void s256MatchesTheContractVector() {
    assertThat(Pkce.s256("code_verifier")).isEqualTo("73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM");
  }

  @Test
  void methodsAreMatchedWithoutCaseAndDefaultToPlain() {
    assertThat(Pkce.method(null)).hasValue(Pkce.PLAIN);
    assertThat(Pkce.method("")).hasValue(Pkce.PLAIN);
    assertThat(Pkce.method("PLAIN")).hasValue(Pkce.PLAIN);
    assertThat(Pkce.method("s256")).hasValue(Pkce.S256);
    assertThat(Pkce.method("S512")).isEmpty();
  }

  @Test
  void verifiesEitherMethod() {
    assertThat(Pkce.verifies("abc", Pkce.PLAIN, "abc")).isTrue();
    assertThat(Pkce.verifies("abc", Pkce.PLAIN, "abd")).isFalse();
    assertThat(Pkce.verifies(Pkce.s256("v"), Pkce.S256, "v")).isTrue();
    assertThat(Pkce.verifies(Pkce.s256("v"), Pkce.S256, "w")).isFalse();
  }
}
