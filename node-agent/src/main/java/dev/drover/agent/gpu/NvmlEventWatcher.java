package dev.drover.agent.gpu;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for NVML events on its own daemon thread: XIDs (nvmlEventTypeXidCriticalError) and, where
 * the device supports them, single- and double-bit ECC events, which make the health monitor read
 * the counters at once. One event set holds every GPU; the wait times out every {@link
 * #WAIT_MILLIS} so that {@link #close()} is prompt, and the set is freed only after the thread has
 * left the wait.
 */
final class NvmlEventWatcher implements AutoCloseable {
  static final int WAIT_MILLIS = 500;
  /** Failed waits in a row before the watch is reported broken (XIDs would go unseen). */
  private static final int FAILURES_BEFORE_PROBLEM = 3;
  private static final long RETRY_MILLIS = 1_000;
  private static final Logger log = LoggerFactory.getLogger(NvmlEventWatcher.class);

  private final NvmlLibrary nvml;
  private final List<Pointer> handles;
  private final Consumer<GpuEvent> listener;
  private final IntFunction<String> errorText;
  private Pointer set;
  private Thread thread;
  private volatile boolean closed;
  private boolean useV1Wait;

  NvmlEventWatcher(NvmlLibrary nvml, List<Pointer> handles, Consumer<GpuEvent> listener, IntFunction<String> errorText) {
    this.nvml = nvml;
    this.handles = handles;
    this.listener = listener;
    this.errorText = errorText;
  }

  /** Creates the event set, registers every GPU that supports XID events and starts the thread. */
  void start() {
    PointerByReference ref = new PointerByReference();
    int rc = call(() -> nvml.nvmlEventSetCreate(ref));
    if (rc != NvmlLibrary.NVML_SUCCESS) {
      String problem = "cannot create an NVML event set: " + errorText.apply(rc) + "; XID events are not watched";
      log.warn("{}", problem);
      if (rc != NvmlLibrary.NVML_ERROR_NOT_SUPPORTED && rc != NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND) {
        listener.accept(new GpuEvent.WatchState(problem));
      }
      return;
    }
    set = ref.getValue();
    int registered = 0;
    for (int i = 0; i < handles.size(); i++) {
      if (register(i)) {
        registered++;
      }
    }
    if (registered == 0) {
      log.warn("No GPU supports XID events; XIDs are not watched");
      call(() -> nvml.nvmlEventSetFree(set));
      set = null;
      return;
    }
    log.info("Watching NVML events (XID, ECC) on {} of {} GPU(s)", registered, handles.size());
    thread = new Thread(this::loop, "nvml-events");
    thread.setDaemon(true);
    thread.start();
  }

  private boolean register(int index) {
    Pointer h = handles.get(index);
    long wanted = NvmlLibrary.NVML_EVENT_TYPE_XID_CRITICAL_ERROR
        | NvmlLibrary.NVML_EVENT_TYPE_SINGLE_BIT_ECC_ERROR | NvmlLibrary.NVML_EVENT_TYPE_DOUBLE_BIT_ECC_ERROR;
    LongByReference supported = new LongByReference();
    int rc = call(() -> nvml.nvmlDeviceGetSupportedEventTypes(h, supported));
    long types = rc == NvmlLibrary.NVML_SUCCESS ? supported.getValue() & wanted : NvmlLibrary.NVML_EVENT_TYPE_XID_CRITICAL_ERROR;
    if ((types & NvmlLibrary.NVML_EVENT_TYPE_XID_CRITICAL_ERROR) == 0) {
      log.warn("GPU {} does not support XID events", index);
      return false;
    }
    rc = call(() -> nvml.nvmlDeviceRegisterEvents(h, types, set));
    if (rc != NvmlLibrary.NVML_SUCCESS) {
      log.warn("Cannot watch events of GPU {}: {}", index, errorText.apply(rc));
      return false;
    }
    return true;
  }

  private void loop() {
    NvmlLibrary.EventData data = new NvmlLibrary.EventData();
    int failures = 0;
    boolean reportedProblem = false;
    while (!closed) {
      int rc = useV1Wait ? call(() -> nvml.nvmlEventSetWait(set, data, WAIT_MILLIS))
          : call(() -> nvml.nvmlEventSetWait_v2(set, data, WAIT_MILLIS));
      if (rc == NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND && !useV1Wait) {
        useV1Wait = true;
        continue;
      }
      if (rc == NvmlLibrary.NVML_SUCCESS || rc == NvmlLibrary.NVML_ERROR_TIMEOUT) {
        if (reportedProblem) {
          log.info("NVML event watch works again");
          listener.accept(new GpuEvent.WatchState(null));
          reportedProblem = false;
        }
        failures = 0;
        if (rc == NvmlLibrary.NVML_SUCCESS) {
          deliver(data);
        }
        continue;
      }
      if (rc == NvmlLibrary.NVML_ERROR_GPU_IS_LOST) {
        // which GPU is not said: the next reading finds it
        listener.accept(new GpuEvent.ReadingsChanged("nvmlEventSetWait: a GPU is lost"));
      } else if (++failures == FAILURES_BEFORE_PROBLEM) {
        String problem = "waiting for NVML events fails: " + errorText.apply(rc) + "; XIDs may go unseen";
        log.error("{}", problem);
        listener.accept(new GpuEvent.WatchState(problem));
        reportedProblem = true;
      }
      pause();
    }
  }

  private void deliver(NvmlLibrary.EventData data) {
    int gpu = handles.indexOf(data.device);
    if (gpu < 0) {
      log.warn("NVML event 0x{} for an unknown device; ignored", Long.toHexString(data.eventType));
      return;
    }
    if ((data.eventType & NvmlLibrary.NVML_EVENT_TYPE_XID_CRITICAL_ERROR) != 0) {
      listener.accept(new GpuEvent.Xid(gpu, data.eventData, Instant.now()));
    } else {
      boolean dbe = (data.eventType & NvmlLibrary.NVML_EVENT_TYPE_DOUBLE_BIT_ECC_ERROR) != 0;
      listener.accept(new GpuEvent.ReadingsChanged((dbe ? "double" : "single") + "-bit ECC error event on GPU " + gpu));
    }
  }

  private void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Stops the thread (at most one wait timeout later) and frees the event set. */
  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      try {
        t.join(WAIT_MILLIS * 4L + RETRY_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        // still inside NVML: freeing the set under it could crash the JVM; the process is ending anyway
        log.warn("NVML event thread did not stop; leaving its event set allocated");
        return;
      }
    }
    if (set != null) {
      Pointer s = set;
      set = null;
      int rc = call(() -> nvml.nvmlEventSetFree(s));
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        log.warn("nvmlEventSetFree failed: {}", errorText.apply(rc));
      }
    }
  }

  private static int call(java.util.function.IntSupplier nvmlCall) {
    try {
      return nvmlCall.getAsInt();
    } catch (UnsatisfiedLinkError e) {
      return NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND;
    }
  }
}
