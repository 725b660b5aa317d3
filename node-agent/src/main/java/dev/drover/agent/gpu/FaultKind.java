package dev.drover.agent.gpu;

/** What a simulated backend can be made to report; see {@link SimulatedFault}. */
public enum FaultKind {
  /** An XID event; value: the XID number. */
  XID(Scope.GPU, Value.XID),
  /** Volatile double-bit ECC errors; value: how many to add. */
  ECC_DBE(Scope.GPU, Value.COUNT),
  /** Volatile single-bit ECC errors; value: how many to add. */
  ECC_SBE(Scope.GPU, Value.COUNT),
  RETIRED_PAGES_PENDING(Scope.GPU, Value.NONE),
  ROW_REMAP_PENDING(Scope.GPU, Value.NONE),
  ROW_REMAP_FAILURE(Scope.GPU, Value.NONE),
  /** The GPU's temperature; value: degrees Celsius. */
  TEMPERATURE(Scope.GPU, Value.CELSIUS),
  /** PCIe replays; value: how many to add to the counter. */
  PCIE_REPLAY(Scope.GPU, Value.COUNT),
  /** NVLink data-link errors; value: how many to add to the counters. */
  NVLINK_ERRORS(Scope.GPU, Value.COUNT),
  /** Every NVML call about the GPU answers NVML_ERROR_GPU_IS_LOST. */
  GPU_LOST(Scope.GPU, Value.NONE),
  /** NVML answers only errors: a node-level fault. */
  NVML_FAILURE(Scope.NODE, Value.NONE);

  /** Whether a fault is about one GPU or the whole node. */
  public enum Scope { GPU, NODE }

  /** What the fault's value means. */
  public enum Value { NONE, XID, COUNT, CELSIUS }

  private final Scope scope;
  private final Value value;

  FaultKind(Scope scope, Value value) {
    this.scope = scope;
    this.value = value;
  }

  public Scope scope() {
    return scope;
  }

  public Value value() {
    return value;
  }
}
