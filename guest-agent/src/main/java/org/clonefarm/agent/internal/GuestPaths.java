package org.clonefarm.agent.internal;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import org.clonefarm.platform.layout.CloneLayout;

/**
 * Maps paths inside the guest to paths on disk. A RW-root guest is one tree ({@code --root}). In
 * the initrd of a RO-root guest, {@code /var} is the clone's own disk mounted elsewhere, and the
 * {@code /etc} files listed as post-mount go to {@code /var/local/etc} ({@link CloneLayout#VAR_LOCAL};
 * {@code master prepare apply --profile ro-root} links them there), the others to the initrd's {@code /etc}.
 * Immutable.
 */
public final class GuestPaths {
    /** {@link CloneLayout#VAR_LOCAL} relative to /var. */
    private static final String VAR_LOCAL_IN_VAR = CloneLayout.VAR_LOCAL.substring("/var/".length());

    private final Path root;
    private final Path varRoot;
    private final Set<String> postMount;

    private GuestPaths(Path root, Path varRoot, Set<String> postMount) {
        this.root = root.toAbsolutePath().normalize();
        this.varRoot = varRoot == null ? null : varRoot.toAbsolutePath().normalize();
        this.postMount = Set.copyOf(postMount);
    }

    /** One tree: every guest path lies under {@code root}. */
    public static GuestPaths of(Path root) {
        return new GuestPaths(root, null, Set.of());
    }

    /** The initrd of a RO-root guest: {@code /var} under {@code varRoot}, post-mount files under /var/local. */
    public static GuestPaths initrd(Path initrdRoot, Path varRoot, Set<String> postMountFiles) {
        return new GuestPaths(initrdRoot, Objects.requireNonNull(varRoot, "varRoot"), postMountFiles);
    }

    public Path root() {
        return root;
    }

    /** Where a guest path is on disk. */
    public Path resolve(String guestPath) {
        if (!guestPath.startsWith("/")) {
            throw new IllegalArgumentException("guest path must be absolute: " + guestPath);
        }
        String relative = guestPath.substring(1);
        if (varRoot != null) {
            if (postMount.contains(guestPath)) {
                return varRoot.resolve(VAR_LOCAL_IN_VAR).resolve(relative);
            }
            if (guestPath.equals("/var") || guestPath.startsWith("/var/")) {
                return varRoot.resolve(guestPath.substring("/var".length()).replaceFirst("^/", ""));
            }
        }
        return relative.isEmpty() ? root : root.resolve(relative);
    }

    /** The guest path as it should be reported: where it really went when relocated. */
    public String reported(String guestPath) {
        return varRoot != null && postMount.contains(guestPath) ? CloneLayout.VAR_LOCAL + guestPath : guestPath;
    }
}
