package org.clonefarm.worker.copy.internal;

import java.util.HashMap;
import java.util.Map;
import org.clonefarm.worker.copy.CopyOptions;

/**
 * The engine's {@link SharedScan}s, one per source being copied: a copy that starts while others copy the same
 * source extent (same source key, length, chunk size, digest algorithm and read mode) joins their scan, so each
 * source chunk is read once for all of them (a fan-out); a copy of a source no one copies starts a new scan. A scan
 * is forgotten when its last copy leaves. Thread-safe; the registry's lock is always taken before a scan's.
 */
public final class SharedScans {
    /** Chunks a scan keeps for copies behind the leading one, beyond those in flight: one default batch. */
    private static final long LAG_BYTES = CopyOptions.DEFAULT_FORCE_BYTES;

    private final AlignedBufferPool buffers;
    private final Map<SharedScan.Key, SharedScan> scans = new HashMap<>();

    /** @param buffers where the scans take chunk buffers from (the engine's pool) */
    public SharedScans(AlignedBufferPool buffers) {
        this.buffers = buffers;
    }

    /** Joins (or starts) the scan of {@code key} for a copy that still has to copy {@code todo}. */
    SharedScan.Participant join(SharedScan.Key key, CopyOptions options, Iterable<Long> todo) {
        synchronized (this) {
            while (true) {
                SharedScan scan = scans.get(key);
                if (scan == null || scan.isClosed()) {
                    // at least every chunk a copy has in flight, twice, and one batch of lag behind the leader
                    int capacity = (int) Math.min(1024, 2L * options.maxInFlight() + LAG_BYTES / key.chunkSize());
                    scan = new SharedScan(this, key, buffers, Math.max(2, capacity));
                    scans.put(key, scan);
                }
                SharedScan.Participant participant = scan.join(todo);
                if (participant != null) {
                    return participant;
                }
                scans.remove(key, scan);
            }
        }
    }

    /** Scans running now (for tests). */
    public synchronized int active() {
        return scans.size();
    }

    /** Called by a scan whose last copy left. */
    synchronized void forget(SharedScan scan) {
        scans.remove(scan.key(), scan);
    }
}
