package org.clonefarm.platform.master;

import java.util.List;
import java.util.Objects;

/**
 * What the clones of a master will link read-only, which decides what preparation moves: {@code /usr} and
 * {@code /opt} in every profile (the clones link those disks), the whole root as well when
 * {@code rootReadOnly}. Immutable.
 *
 * @param name the profile's name as a clone spec writes it ({@code rw-root}, {@code ro-root}; the
 *     coordinator's {@code CloneProfile} owns the names); it labels the journal and the messages
 * @param rootReadOnly whether the clones link the root read-only (RO root: {@code /etc} comes from
 *     the initrd)
 * @param postMountFiles RO root: the {@code /etc} files that live under {@code /var/local/etc}, linked from
 *     the initrd's {@code /etc}: the guest agent's {@code initrd.post.mount}, which the caller reads from the
 *     master's agent configuration so that preparation and agent agree; ignored for a RW root
 */
public record PreparationProfile(String name, boolean rootReadOnly, List<String> postMountFiles) {
    public PreparationProfile {
        Objects.requireNonNull(name, "name");
        postMountFiles = List.copyOf(postMountFiles);
        for (String file : postMountFiles) {
            if (!file.startsWith("/etc/") || file.endsWith("/") || List.of(file.split("/")).contains("..")) {
                throw new IllegalArgumentException("a post-mount file must be a path under /etc without '..': " + file);
            }
        }
    }
}
