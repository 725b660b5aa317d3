package dev.drover.agent.faults;

import dev.drover.agent.gpu.FaultKind;
import dev.drover.protocol.spec.FieldError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The body of {@code POST /agent/v1/faults}. Either {@code gpu} and a fault, or {@code node}:
 *
 * <pre>
 * {"gpu": 3, "xid": 79}                          an XID ("fault": "XID" may be given too)
 * {"gpu": 1, "fault": "ECC_DBE", "count": 2}     ECC_DBE, ECC_SBE, PCIE_REPLAY, NVLINK_ERRORS (count defaults to 1)
 * {"gpu": 0, "fault": "TEMPERATURE", "value": 95}
 * {"gpu": 2, "fault": "GPU_LOST"}                also RETIRED_PAGES_PENDING, ROW_REMAP_PENDING, ROW_REMAP_FAILURE
 * {"node": "NVML_FAILURE"}
 * </pre>
 */
public record FaultRequest(Integer gpu, String fault, Long xid, Long count, Long value, String node) {
  static final long MAX_COUNT = 1_000_000_000L;

  /** A request that passed validation. */
  public record Valid(Integer gpu, FaultKind kind, Long value) {}

  /**
   * Checks the request against a node with {@code gpuCount} GPUs.
   *
   * @throws InvalidRequestException naming each field at fault
   */
  public Valid validate(int gpuCount) {
    List<FieldError> errors = new ArrayList<>();
    if (node != null) {
      if (gpu != null || fault != null || xid != null || count != null || value != null) {
        errors.add(new FieldError("/node", "a node fault takes no gpu, fault, xid, count or value"));
      } else if (!"NVML_FAILURE".equals(node.trim().toUpperCase(Locale.ROOT))) {
        errors.add(new FieldError("/node", "unknown node fault '" + node + "' (known: NVML_FAILURE)"));
      }
      return InvalidRequestException.unless(errors, new Valid(null, FaultKind.NVML_FAILURE, null));
    }
    if (gpu == null) {
      errors.add(new FieldError("/gpu", "required (or give \"node\" for a node-level fault)"));
    } else if (gpu < 0 || gpu >= gpuCount) {
      errors.add(new FieldError("/gpu", "no GPU " + gpu + " on this node: it has " + gpuCount + " (0 to " + (gpuCount - 1) + ")"));
    }
    FaultKind kind = null;
    if (fault == null) {
      if (xid != null) {
        kind = FaultKind.XID;
      } else {
        errors.add(new FieldError("/fault", "required: one of " + gpuKinds()));
      }
    } else {
      try {
        kind = FaultKind.valueOf(fault.trim().toUpperCase(Locale.ROOT));
        if (kind.scope() != FaultKind.Scope.GPU) {
          errors.add(new FieldError("/fault", kind + " is a node-level fault: send {\"node\": \"" + kind + "\"}"));
          kind = null;
        }
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("/fault", "unknown fault '" + fault + "' (known: " + gpuKinds() + ")"));
      }
    }
    Long v = null;
    if (kind != null) {
      v = value(kind, errors);
    }
    return InvalidRequestException.unless(errors, new Valid(gpu, kind, v));
  }

  private Long value(FaultKind kind, List<FieldError> errors) {
    switch (kind.value()) {
      case XID -> {
        noneOf(errors, kind, count, "/count", value, "/value");
        if (xid == null) {
          errors.add(new FieldError("/xid", "required for XID"));
        } else if (xid < 1 || xid > 65535) {
          errors.add(new FieldError("/xid", "XID numbers are 1 to 65535, got " + xid));
        }
        return xid;
      }
      case COUNT -> {
        noneOf(errors, kind, xid, "/xid", value, "/value");
        long c = count == null ? 1 : count;
        if (c < 1 || c > MAX_COUNT) {
          errors.add(new FieldError("/count", "must be between 1 and " + MAX_COUNT + ", got " + c));
        }
        return c;
      }
      case CELSIUS -> {
        noneOf(errors, kind, xid, "/xid", count, "/count");
        if (value == null) {
          errors.add(new FieldError("/value", "required for TEMPERATURE: degrees Celsius"));
        } else if (value < 0 || value > 150) {
          errors.add(new FieldError("/value", "a temperature between 0 and 150 C, got " + value));
        }
        return value;
      }
      default -> {
        noneOf(errors, kind, xid, "/xid", count, "/count");
        if (value != null) {
          errors.add(new FieldError("/value", kind + " takes no value"));
        }
        return null;
      }
    }
  }

  private static void noneOf(List<FieldError> errors, FaultKind kind, Long a, String pa, Long b, String pb) {
    if (a != null) {
      errors.add(new FieldError(pa, kind + " takes no " + pa.substring(1)));
    }
    if (b != null) {
      errors.add(new FieldError(pb, kind + " takes no " + pb.substring(1)));
    }
  }

  static String gpuKinds() {
    return Arrays.stream(FaultKind.values()).filter(k -> k.scope() == FaultKind.Scope.GPU).map(Enum::name)
        .collect(Collectors.joining(", "));
  }
}
