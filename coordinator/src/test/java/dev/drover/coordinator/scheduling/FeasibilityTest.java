package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drover.coordinator.scheduling.model.Feasibility;
import dev.drover.coordinator.scheduling.model.NodeView;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Submit-time checks: a gang that can never fit the registered nodes is refused with a reason. */
class FeasibilityTest {

    /** Two 8-GPU nodes (one cordoned, one not ready, one GPU unhealthy: all still count) of 64 CPUs and 512 GiB. */
    private static final List<NodeView> CLUSTER = List.of(
            node("a", 8).cordoned().unhealthy(0).build(),
            node("b", 8).notReady().build());

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("fits one node", 1, 8, 1.0, GIB, CLUSTER, ""),
                Arguments.of("fits two nodes exactly", 2, 8, 64.0, 512 * GIB, CLUSTER, ""),
                Arguments.of("no nodes: waits", 4, 16, 1.0, GIB, List.of(), ""),
                Arguments.of("replica larger than any node", 1, 16, 1.0, GIB, CLUSTER,
                        "needs 16 GPUs per replica; the largest node has 8"),
                Arguments.of("gang larger than the cluster", 3, 8, 1.0, GIB, CLUSTER,
                        "needs 3 x 8 = 24 GPUs on distinct capacity; the cluster has 16 GPUs in all"),
                Arguments.of("too many CPUs per replica", 1, 1, 96.0, GIB, CLUSTER,
                        "needs 96 CPUs per replica; the largest node has 64 CPUs"),
                Arguments.of("too many CPUs in all", 3, 1, 48.0, GIB, CLUSTER,
                        "needs 3 x 48 CPUs = 144 CPUs on distinct capacity; the cluster has 128 CPUs in all"),
                Arguments.of("too much memory per replica", 1, 1, 1.0, 600 * GIB, CLUSTER,
                        "needs 600 GiB of memory per replica; the largest node has 512 GiB"),
                Arguments.of("too much memory in all", 3, 0, 1.0, 400 * GIB, CLUSTER,
                        "needs 3 x 400 GiB = 1200 GiB of memory on distinct capacity; the cluster has 1024 GiB in all"),
                Arguments.of("replicas cannot be split across nodes", 3, 5, 1.0, GIB, CLUSTER,
                        "needs 3 replicas of 5 GPUs, 1 CPU and 1 GiB; whole nodes of the cluster have room for 2 at most"),
                Arguments.of("no single node has everything together", 1, 8, 32.0, GIB,
                        List.of(node("gpu", 8).cpus(16, 0).build(), node("cpu", 0).cpus(64, 0).build()),
                        "no node has 8 GPUs, 32 CPUs and 1 GiB together"),
                Arguments.of("GPU-less fits anywhere", 4, 0, 16.0, GIB, CLUSTER, ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void checksAgainstPhysicalCapacity(String name, int replicas, int gpus, double cpus, long memory, List<NodeView> nodes,
                                       String rejection) {
        Feasibility result = Feasibility.check(replicas, gpus, cpus, memory, nodes);
        assertEquals(rejection.isEmpty(), result.feasible(), result.message());
        assertEquals(rejection, result.message());
    }
}
