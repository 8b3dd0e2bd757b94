package org.clonefarm.platform.cp;

import java.util.Objects;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/**
 * A LINK that CP granted. Immutable.
 *
 * @param owner the minidisk's owner
 * @param vaddr its address in the owner's entry
 * @param myVaddr the address it is linked at
 * @param mode the mode asked for
 * @param readWrite whether write access was granted ({@code false} for RR, and for MR or WR when
 *     another user already writes)
 */
public record LinkResult(Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode, boolean readWrite) {

    public LinkResult {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(vaddr, "vaddr");
        Objects.requireNonNull(myVaddr, "myVaddr");
        Objects.requireNonNull(mode, "mode");
    }
}
