package dev.drover.coordinator.scheduling.plugin;

/**
 * A filter's verdict on one node. It carries no text: filters run for every node and replica, and the
 * human explanation is built once per unplaced job by {@link NodeFilter#describeRejections}.
 */
public record FilterResult(boolean passed) {

    private static final FilterResult PASS = new FilterResult(true);
    private static final FilterResult REJECT = new FilterResult(false);

    public static FilterResult pass() {
        return PASS;
    }

    public static FilterResult reject() {
        return REJECT;
    }

    public static FilterResult of(boolean passed) {
        return passed ? PASS : REJECT;
    }
}
