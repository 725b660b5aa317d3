package dev.drover.coordinator.scheduling.cycle;

/**
 * A set of node positions (see {@link ClusterState}) as a fixed array of bits, one per free-GPU count. Unlike
 * {@link java.util.BitSet} removing never rescans the array, and it remembers the lowest word that may hold a
 * position, so the search from the first node that every replica starts with skips the emptied front.
 */
final class NodePositions {
    private final long[] words;
    /** No position is set in a word below this one. */
    private int lowestWord;

    NodePositions(int size) {
        this.words = new long[(size + 63) >>> 6];
        this.lowestWord = words.length;
    }

    void add(int position) {
        int word = position >>> 6;
        words[word] |= 1L << position;
        if (word < lowestWord) {
            lowestWord = word;
        }
    }

    void remove(int position) {
        words[position >>> 6] &= ~(1L << position);
    }

    /** The lowest position at or after {@code from}, or -1. */
    int next(int from) {
        int word = from >>> 6;
        long bits;
        if (from == 0) {
            word = lowestWord;
            if (word >= words.length) {
                return -1;
            }
            bits = words[word];
        } else {
            if (word >= words.length) {
                return -1;
            }
            bits = words[word] & (-1L << from);
        }
        while (bits == 0) {
            if (++word >= words.length) {
                if (from == 0) {
                    lowestWord = word;
                }
                return -1;
            }
            bits = words[word];
        }
        if (from == 0) {
            lowestWord = word;
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }
}
