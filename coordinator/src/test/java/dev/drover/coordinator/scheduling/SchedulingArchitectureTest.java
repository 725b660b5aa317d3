package dev.drover.coordinator.scheduling;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The scheduling core stays a pure function: no Pekko, no Scala, nothing from the rest of the coordinator. */
class SchedulingArchitectureTest {

    private static final String[] CORE = {
        "dev.drover.coordinator.scheduling.model..",
        "dev.drover.coordinator.scheduling.cycle..",
        "dev.drover.coordinator.scheduling.action..",
        "dev.drover.coordinator.scheduling.plugin.."
    };

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.drover.coordinator");

    @Test
    void coreDependsOnNoPekkoOrScala() {
        noClasses().that().resideInAnyPackage(CORE)
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.pekko..", "scala..", "akka..")
                .allowEmptyShould(false)
                .check(classes);
    }

    @Test
    void coreDependsOnNothingElseOfTheCoordinator() {
        noClasses().that().resideInAnyPackage(CORE)
                .should().dependOnClassesThat(
                        com.tngtech.archunit.base.DescribedPredicate.describe("coordinator classes outside the scheduling core",
                                c -> c.getPackageName().startsWith("dev.drover.coordinator")
                                        && !c.getPackageName().matches("dev\\.drover\\.coordinator\\.scheduling\\.(model|cycle|action|plugin)(\\..*)?")))
                .allowEmptyShould(false)
                .check(classes);
    }
}
