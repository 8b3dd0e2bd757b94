package org.clonefarm.coordinator.plan;

import java.util.List;
import org.clonefarm.coordinator.spec.CloneSpec;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.proto.CloneRequest;

/**
 * Everything a submit applies, computed before anything is changed: the clones' directory entries
 * (with concrete extents), their NAMES entries, and one clone request each. Immutable.
 *
 * @param spec the spec it was made from
 * @param specDigest SHA-256 of the spec, hex
 * @param entries one directory entry per clone, marked with the batch
 * @param names one NAMES entry per clone (nick = userid)
 * @param requests one clone request per clone, attempt 1
 * @param bytesToCopy bytes the workers will copy for the whole batch
 */
public record BatchPlan(CloneSpec spec, String specDigest, List<DirectoryEntry> entries, List<NamesEntry> names,
        List<CloneRequest> requests, long bytesToCopy) {

    public BatchPlan {
        entries = List.copyOf(entries);
        names = List.copyOf(names);
        requests = List.copyOf(requests);
    }

    public int clones() {
        return requests.size();
    }

    public String batchId() {
        return spec.batch();
    }
}
