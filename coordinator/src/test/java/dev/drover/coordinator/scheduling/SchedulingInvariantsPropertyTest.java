package dev.drover.coordinator.scheduling;

import static dev.drover.coordinator.scheduling.TestClusters.GIB;
import static dev.drover.coordinator.scheduling.TestClusters.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drover.coordinator.scheduling.cycle.SchedulingCycle;
import dev.drover.coordinator.scheduling.model.ClusterSnapshot;
import dev.drover.coordinator.scheduling.model.GpuSlot;
import dev.drover.coordinator.scheduling.model.NodeView;
import dev.drover.coordinator.scheduling.model.PendingJob;
import dev.drover.coordinator.scheduling.model.Placement;
import dev.drover.coordinator.scheduling.model.Plan;
import dev.drover.coordinator.scheduling.model.ReplicaPlacement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Invariants of a cycle over a few hundred random clusters, each reproducible from its seed. */
class SchedulingInvariantsPropertyTest {
    private static final int CLUSTERS = 400;

    @Test
    void invariantsHoldOnRandomClusters() {
        for (int seed = 0; seed < CLUSTERS; seed++) {
            ClusterSnapshot snapshot = randomCluster(new Random(seed));
            Plan plan = SchedulingCycle.run(snapshot);
            String where = "seed " + seed;
            checkInvariants(snapshot, plan, where);
            // Same snapshot, same plan; also with inputs listed in another order.
            assertEquals(plan, SchedulingCycle.run(snapshot), where + ": not deterministic");
            List<NodeView> nodes = new ArrayList<>(snapshot.nodes());
            List<PendingJob> jobs = new ArrayList<>(snapshot.pending());
            Collections.shuffle(nodes, new Random(seed + 1));
            Collections.shuffle(jobs, new Random(seed + 2));
            assertEquals(plan, SchedulingCycle.run(new ClusterSnapshot(nodes, jobs, NOW)), where + ": depends on input order");
        }
    }

    private static void checkInvariants(ClusterSnapshot snapshot, Plan plan, String where) {
        Map<String, NodeView> nodes = new HashMap<>();
        snapshot.nodes().forEach(n -> nodes.put(n.name(), n));
        Map<String, PendingJob> jobs = new HashMap<>();
        snapshot.pending().forEach(j -> jobs.put(j.jobId(), j));
        Set<String> usedGpus = new HashSet<>();
        Set<String> usedPorts = new HashSet<>();
        Map<String, Double> cpus = new HashMap<>();
        Map<String, Long> memory = new HashMap<>();
        Set<String> placed = new HashSet<>();
        for (Placement placement : plan.placements()) {
            PendingJob job = jobs.get(placement.jobId());
            assertNotNull(job, where + ": placed an unknown job " + placement.jobId());
            assertTrue(placed.add(job.jobId()), where + ": placed twice " + job.jobId());
            assertEquals(job.attempt(), placement.attempt(), where);
            assertEquals(job.replicas(), placement.replicas().size(), where + ": partial gang " + job.jobId());
            NodeView master = nodes.get(placement.masterNode());
            assertEquals(master.address(), placement.masterAddr(), where);
            assertTrue(placement.masterPort() >= master.portRangeStart() && placement.masterPort() <= master.portRangeEnd(), where);
            assertFalse(master.portsInUse().contains(placement.masterPort()), where + ": port in use");
            assertTrue(usedPorts.add(master.name() + ":" + placement.masterPort()), where + ": port given twice");
            assertEquals(placement.masterNode(), placement.replicas().get(0).node(), where + ": rank 0 not on the master");
            Map<String, Integer> nodeRanks = new HashMap<>();
            Map<String, Integer> perNode = new HashMap<>();
            for (int rank = 0; rank < placement.replicas().size(); rank++) {
                ReplicaPlacement replica = placement.replicas().get(rank);
                assertEquals(rank, replica.rank(), where);
                NodeView node = nodes.get(replica.node());
                assertTrue(node.schedulable(), where + ": placed on unschedulable node " + node.name());
                assertEquals(job.gpusPerReplica(), replica.gpuIndices().size(), where);
                assertEquals(job.gpusPerReplica(), new HashSet<>(replica.gpuIndices()).size(), where + ": GPU repeated in a replica");
                for (int index : replica.gpuIndices()) {
                    GpuSlot slot = node.gpus().stream().filter(g -> g.index() == index).findFirst().orElseThrow();
                    assertTrue(slot.healthy(), where + ": unhealthy GPU used");
                    assertFalse(node.allocatedGpus().contains(index), where + ": allocated GPU reused");
                    assertTrue(usedGpus.add(node.name() + "/" + index), where + ": GPU placed twice " + node.name() + "/" + index);
                }
                cpus.merge(node.name(), job.cpusPerReplica(), Double::sum);
                memory.merge(node.name(), job.memoryPerReplica(), Long::sum);
                // nodeRank numbers nodes in order of their lowest rank; localRank counts within a node.
                Integer expectedNodeRank = nodeRanks.computeIfAbsent(node.name(), n -> nodeRanks.size());
                assertEquals(expectedNodeRank, replica.nodeRank(), where);
                int localRank = perNode.merge(node.name(), 1, Integer::sum) - 1;
                assertEquals(localRank, replica.localRank(), where);
            }
            assertEquals(nodeRanks.size(), placement.numNodes(), where);
            for (ReplicaPlacement replica : placement.replicas()) {
                assertEquals(perNode.get(replica.node()), replica.localWorldSize(), where);
            }
        }
        cpus.forEach((node, used) -> assertTrue(used <= nodes.get(node).freeCpus() + 1e-6, where + ": CPUs overcommitted on " + node));
        memory.forEach((node, used) -> assertTrue(used <= nodes.get(node).freeMemoryBytes(), where + ": memory overcommitted on " + node));
        for (PendingJob job : snapshot.pending()) {
            boolean hasReason = plan.pendingReasons().containsKey(job.jobId());
            assertTrue(placed.contains(job.jobId()) != hasReason, where + ": job " + job.jobId() + " must be placed xor explained");
            if (hasReason) {
                assertFalse(plan.pendingReasons().get(job.jobId()).message().isBlank(), where);
            }
        }
    }

    private static ClusterSnapshot randomCluster(Random random) {
        List<NodeView> nodes = new ArrayList<>();
        int nodeCount = random.nextInt(12);
        for (int n = 0; n < nodeCount; n++) {
            int gpuCount = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(8);
            List<GpuSlot> gpus = new ArrayList<>();
            Set<Integer> allocated = new HashSet<>();
            for (int i = 0; i < gpuCount; i++) {
                gpus.add(new GpuSlot(i, "GPU-" + n + "-" + i, random.nextInt(10) != 0));
                if (random.nextInt(4) == 0) {
                    allocated.add(i);
                }
            }
            double cpuTotal = 8 + random.nextInt(57);
            long memTotal = (16 + random.nextInt(500)) * GIB;
            int portStart = 29500;
            int portEnd = portStart + random.nextInt(3) - 1; // sometimes an empty range
            Set<Integer> inUse = new HashSet<>();
            if (random.nextBoolean()) {
                inUse.add(portStart);
            }
            nodes.add(new NodeView("node-" + n, "10.0.0." + n, random.nextInt(10) != 0, random.nextInt(10) == 0,
                    random.nextInt(10) == 0, gpus, allocated, cpuTotal, random.nextDouble() * cpuTotal, memTotal,
                    (long) (random.nextDouble() * memTotal), Map.of(), portStart, portEnd, inUse));
        }
        List<PendingJob> jobs = new ArrayList<>();
        int jobCount = random.nextInt(16);
        for (int j = 0; j < jobCount; j++) {
            jobs.add(new PendingJob("job-" + j, 1 + random.nextInt(2), "default", random.nextInt(4), random.nextInt(50), NOW,
                    1 + random.nextInt(4), random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(8), random.nextInt(9) * 0.5,
                    random.nextInt(64) * GIB));
        }
        return new ClusterSnapshot(nodes, jobs, NOW);
    }
}
