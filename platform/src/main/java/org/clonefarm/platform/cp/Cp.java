package org.clonefarm.platform.cp;

import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.simulation.SimulatedCp;

/**
 * The CP commands clonefarm issues, as the virtual machine it runs in. Two implementations: {@link VmcpCp}
 * on z/VM (through the {@code vmcp} command) and {@link SimulatedCp} sessions in the local simulation.
 *
 * <p>Every method either returns CP's answer as a typed result or throws {@link CpException} with
 * the HCP message id, CP's return code, the command and whether a retry can help. Implementations
 * are thread-safe.
 */
public interface Cp {

    /** {@code QUERY USERID}: who this virtual machine is and on which system. */
    UseridReply queryUserid() throws CpException;

    /** {@code QUERY VIRTUAL vaddr} of a DASD: type, volume, access and size. */
    VirtualDasd queryVirtualDasd(Vaddr vaddr) throws CpException;

    /**
     * {@code LINK owner vaddr myVaddr mode}: attaches another user's minidisk to this virtual
     * machine. The result says whether write access was granted (MR and WR fall back to read-only).
     */
    LinkResult link(Userid owner, Vaddr vaddr, Vaddr myVaddr, LinkMode mode) throws CpException;

    /**
     * {@code QUERY VIRTUAL DASD}: every DASD of this virtual machine (its own minidisks while logged on,
     * and what it linked), in address order; empty when it has none.
     */
    java.util.List<VirtualDasd> queryVirtualDasds() throws CpException;

    /** {@code DETACH vaddr}: removes a device (such as a linked minidisk) from this virtual machine. */
    CpReply detach(Vaddr vaddr) throws CpException;

    /**
     * {@code FLASHCOPY source 0 END TO target 0 END SYNC}: a storage-side copy of the whole minidisk
     * linked at {@code source} onto the one linked R/W at {@code target}. Succeeds only when the storage
     * can do it; a {@link CpException} (kind {@link CpException.Kind#FLASHCOPY_UNAVAILABLE} where the
     * storage or the privilege class lacks the feature) means: copy the bytes another way.
     */
    CpReply flashcopy(Vaddr source, Vaddr target) throws CpException;

    /** {@code XAUTOLOG userid}: logs a virtual machine on, disconnected, and boots it. */
    CpReply xautolog(Userid userid) throws CpException;

    /** {@code FORCE userid}: logs a virtual machine off. */
    CpReply force(Userid userid) throws CpException;
}
