package dev.cozegateway.bootstrap;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hexagon, checked on the compiled classes of every module. ArchUnit fails a rule that matches
 * no class, so each rule below is known to look at real packages.
 */
class ArchitectureTest {
  private static JavaClasses gateway;

  @BeforeAll
  static void importClasses() {
    gateway =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The domain's test-jar (fakes, contract suites) is test code too.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.cozegateway");
  }

  @Test
  void theDomainKnowsOnlyTheJdk() {
    classes()
        .that()
        .resideInAPackage("dev.cozegateway.domain..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "dev.cozegateway.domain..")
        .check(gateway);
  }

  @Test
  void theApplicationKnowsOnlyTheDomainAndTheJdk() {
    classes()
        .that()
        .resideInAPackage("dev.cozegateway.application..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "dev.cozegateway.domain..", "dev.cozegateway.application..")
        .check(gateway);
  }

  @Test
  void theStoredRecordLayoutIsALibraryOfTheDomainAndJackson() {
    classes()
        .that()
        .resideInAPackage("dev.cozegateway.storerecords..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "java..",
            "dev.cozegateway.domain..",
            "dev.cozegateway.storerecords..",
            "com.fasterxml.jackson..")
        .check(gateway);
  }

  @Test
  void noAdapterUsesAnother() {
    slices()
        .matching("dev.cozegateway.adapters.(*)..")
        .should()
        .notDependOnEachOther()
        .check(gateway);
  }

  @Test
  void nothingButTheBootstrapSeesTheBootstrap() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cozegateway.bootstrap..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cozegateway.bootstrap..")
        .check(gateway);
  }

  @Test
  void theCoreUsesNoFrameworkOrTransport() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.cozegateway.domain..", "dev.cozegateway.application..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "com.google.inject..",
            "jakarta.inject..",
            "io.grpc..",
            "io.opentelemetry..",
            "com.fasterxml.jackson..",
            "org.slf4j..",
            "java.net.http..",
            "com.sun.net.httpserver..")
        .check(gateway);
  }

  @Test
  void portsAreInterfacesInTheDomain() {
    classes()
        .that()
        .resideInAPackage("dev.cozegateway.domain.port")
        .and()
        .areTopLevelClasses()
        .should()
        .beInterfaces()
        .check(gateway);
  }

  @Test
  void portImplementationsInAdaptersArePackagePrivate() {
    DescribedPredicate<JavaClass> implementAPort =
        DescribedPredicate.describe(
            "implement a port",
            c ->
                c.getAllRawInterfaces().stream()
                    .anyMatch(i -> i.getPackageName().equals("dev.cozegateway.domain.port")));
    classes()
        .that()
        .resideInAPackage("dev.cozegateway.adapters..")
        .and(implementAPort)
        .should()
        .notHaveModifier(JavaModifier.PUBLIC)
        .check(gateway);
  }

  @Test
  void theSandboxIsNotPartOfTheGateway() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.cozegateway.domain..",
            "dev.cozegateway.application..",
            "dev.cozegateway.adapters..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cozegateway.sandbox..")
        .check(gateway);
  }
}
