package dev.drover.agent.gpu;

import dev.drover.protocol.agent.GpuLink;
import java.util.Arrays;
import java.util.List;

/**
 * Groups a node's GPUs into topology domains from its link matrix: GPUs joined by NVLink (directly
 * or through others) share a domain; GPUs without NVLink share one with those behind the same PCIe
 * switch (PIX); every other GPU is a domain of its own. Domains are numbered from 0 in the order of
 * their lowest GPU index, so the numbering is stable across agent restarts.
 */
public final class TopologyDomains {
  private TopologyDomains() {}

  /** The domain of each GPU index 0..count-1. */
  public static int[] derive(int count, List<GpuLink> links) {
    int[] parent = new int[count];
    Arrays.setAll(parent, i -> i);
    boolean[] hasNvlink = new boolean[count];
    for (GpuLink l : links) {
      if (inRange(l, count) && l.nvlinks() > 0) {
        hasNvlink[l.a()] = true;
        hasNvlink[l.b()] = true;
        union(parent, l.a(), l.b());
      }
    }
    for (GpuLink l : links) {
      if (inRange(l, count) && l.nvlinks() == 0 && "PIX".equals(l.path()) && !hasNvlink[l.a()] && !hasNvlink[l.b()]) {
        union(parent, l.a(), l.b());
      }
    }
    int[] domain = new int[count];
    int[] numberOfRoot = new int[count];
    Arrays.fill(numberOfRoot, -1);
    int next = 0;
    for (int i = 0; i < count; i++) {
      int root = find(parent, i);
      if (numberOfRoot[root] < 0) {
        numberOfRoot[root] = next++;
      }
      domain[i] = numberOfRoot[root];
    }
    return domain;
  }

  private static boolean inRange(GpuLink l, int count) {
    return l.a() >= 0 && l.b() >= 0 && l.a() < count && l.b() < count;
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  private static void union(int[] parent, int a, int b) {
    int ra = find(parent, a);
    int rb = find(parent, b);
    if (ra != rb) {
      parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
}
