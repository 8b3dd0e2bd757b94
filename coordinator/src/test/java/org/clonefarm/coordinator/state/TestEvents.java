package org.clonefarm.coordinator.state;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.AgentFailed;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.Cancelled;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneSettings;
import org.clonefarm.proto.Configured;
import org.clonefarm.proto.CopyFailed;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.GuestStartRequested;
import org.clonefarm.proto.GuestStarted;
import org.clonefarm.proto.Identified;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;
import org.clonefarm.proto.RetryRequested;

/** Builds the facts of a clone's life for tests, with a fixed clock so folds are comparable. */
public final class TestEvents {
    private final EventFactory factory =
            new EventFactory("test", Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC));
    private final String batch;

    public TestEvents(String batch) {
        this.batch = batch;
    }

    public CloneEvent.Builder base(String userid, int attempt) {
        return factory.newEvent(batch, userid, attempt);
    }

    public CloneEvent batchPlanned(int clones) {
        return factory.newEvent(batch, "", 0).setBatchPlanned(BatchPlanned.newBuilder().setClones(clones)).build();
    }

    public CloneEvent planned(String userid, long bytes) {
        return base(userid, 1).setClonePlanned(ClonePlanned.newBuilder().setBytesTotal(bytes)
                .setSettings(CloneSettings.newBuilder().setHostname(userid.toLowerCase()))).build();
    }

    public CloneEvent copyStarted(String userid, long bytes) {
        return base(userid, 1).setCopyStarted(CopyStarted.newBuilder().setWorkerId("w1").setBytesTotal(bytes)).build();
    }

    public CloneEvent progress(String userid, String vaddr, long done) {
        return base(userid, 1).setCopyProgress(CopyProgress.newBuilder().setVaddr(vaddr).setBytesDone(done)).build();
    }

    public CloneEvent diskCopied(String userid, String vaddr, long bytes) {
        return base(userid, 1).setDiskCopied(DiskCopied.newBuilder().setVaddr(vaddr).setBytesTotal(bytes)).build();
    }

    public CloneEvent copied(String userid) {
        return base(userid, 1).setCloneCopied(CloneCopied.getDefaultInstance()).build();
    }

    public CloneEvent copyFailed(String userid, int attempt) {
        return base(userid, attempt).setCopyFailed(CopyFailed.newBuilder().setVaddr("0200").setOffset(4096)
                .setReason("No space left on device").setRetryable(true)).build();
    }

    public CloneEvent startRequested(String userid) {
        return base(userid, 1).setGuestStartRequested(GuestStartRequested.getDefaultInstance()).build();
    }

    public CloneEvent started(String userid) {
        return base(userid, 1).setGuestStarted(GuestStarted.newBuilder().setReply("Command accepted")).build();
    }

    public CloneEvent agentStarted(String userid) {
        return base(userid, 0).setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1)).build();
    }

    public CloneEvent identified(String userid) {
        return base(userid, 0).setIdentified(Identified.newBuilder().setUserid(userid)).build();
    }

    public CloneEvent configured(String userid) {
        return base(userid, 0).setConfigured(Configured.newBuilder().setDistribution("sles")).build();
    }

    public CloneEvent rebooting(String userid) {
        return base(userid, 0).setRebooting(Rebooting.getDefaultInstance()).build();
    }

    public CloneEvent ready(String userid) {
        return base(userid, 0).setReady(Ready.newBuilder().setBoot(2)).build();
    }

    public CloneEvent agentFailed(String userid) {
        return base(userid, 0).setAgentFailed(AgentFailed.newBuilder().setStep("configure")
                .setReason("malformed ipaddr 10.1.1.999")).build();
    }

    public CloneEvent cancelled(String userid) {
        return base(userid, 0).setCancelled(Cancelled.newBuilder().setReason("operator")).build();
    }

    public CloneEvent retry(String userid, int nextAttempt) {
        return base(userid, nextAttempt - 1).setRetryRequested(RetryRequested.newBuilder().setNextAttempt(nextAttempt))
                .build();
    }
}
