package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.clonefarm.cli.simulation.internal.RegionDigest;
import org.clonefarm.platform.io.FileRegion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the command line that runs a guest's agent jar, and makes repeated runs of the same jar cheap
 * with a class-data-sharing archive (AppCDS): the JVM maps the agent's classes, already parsed and
 * verified, instead of loading them from the jar again, which halves the CPU time of a run (measured:
 * 0.95 s to 0.48 s of user time for a finalize on Java 17).
 *
 * <p>A CDS archive is only used for the jar path it was made for, and every clone's root is mounted at
 * a different place. So the launcher reads the jar in the guest's root, and runs a byte-identical copy
 * of it kept in a cache keyed by the jar's SHA-256 ({@code <cache>/<sha256>/clonefarm-agent.jar} and
 * {@code classes.jsa}). A clone whose jar differs from the master's gets a cache entry of its own: the
 * code that runs is always the code in the guest. A guest's jar as long as one cached before is first compared
 * byte for byte with that copy ({@link Files#mismatch}): equal bytes are the same entry without hashing the jar
 * again (hundreds of clones of one master run the same jar; the comparison only reads it, and hashing a 13 MB jar
 * twice per clone took 0.04-0.2 s of CPU per run). The first run of a jar writes the archive
 * ({@code -XX:ArchiveClassesAtExit}, one run at a time per jar); a launch of the same jar meanwhile waits for
 * that run to end (at most the launcher's {@code archiveWait}, and not once its caller says stop) and then maps the
 * archive, or goes without when the run did not write one: on a busy host a run without the archive costs about
 * twice the CPU of one with it (1.2-1.5 s against 0.6-0.7 s), so the first boots of a batch are not cheaper run
 * at once. A JVM that cannot use an archive (another Java, a damaged file) ignores it ({@code -Xshare:auto}).
 *
 * <p>Thread-safety: safe for concurrent boots; cache entries are published by atomic renames, so
 * several processes may share one cache directory too.
 */
final class AgentLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(AgentLauncher.class);
    static final String JAR = "clonefarm-agent.jar";
    static final String ARCHIVE = "classes.jsa";
    private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");

    private final Path cache;
    private final Path java;
    /** Digests of the jars this launcher put or found in the cache, by the jar's size in bytes. */
    private final Map<Long, Set<String>> cachedBySize = new ConcurrentHashMap<>();
    /** Held while a jar not found in {@link #cachedBySize} is hashed and copied into the cache. */
    private final Object caching = new Object();
    /** Digests whose archive one run is writing now; guarded by itself, which is notified when one ends. */
    private final Set<String> archiving = new HashSet<>();
    private final Duration archiveWait;

    /** One launch: the command and, for the run that writes the archive, where it is being written. */
    record Launch(List<String> command, String digest, Path archiveBeingWritten) {
    }

    /**
     * @param archiveWait how long a launch waits at most for the run that writes its jar's archive (the runtime
     *     gives the agent's timeout: that run is killed after it)
     */
    AgentLauncher(Path cache, Duration archiveWait) {
        this.cache = Objects.requireNonNull(cache, "cache").toAbsolutePath().normalize();
        this.archiveWait = Objects.requireNonNull(archiveWait, "archiveWait");
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The cache directory (for logs and tests). */
    Path cache() {
        return cache;
    }

    /**
     * The command that runs {@code jarInGuest} (followed by the agent's arguments, which the caller
     * appends). Call {@link #finished} with the launch and the exit code when the process has ended. While
     * another run writes the jar's archive this waits for it; {@code stop} ends the wait (checked whenever
     * {@link #wakeWaiters} is called), and the launch then goes without the archive.
     *
     * @throws IOException when the guest's jar cannot be read or the cache cannot be written;
     *     {@link InterruptedIOException} when the thread is interrupted while it waits
     */
    Launch launch(Path jarInGuest, BooleanSupplier stop) throws IOException {
        long size = Files.size(jarInGuest);
        String digest = cachedCopyOf(jarInGuest, size);
        if (digest == null) {
            // one launch at a time hashes and caches a jar not seen yet: the guests booting beside it then
            // find its copy instead of hashing the same bytes again
            synchronized (caching) {
                digest = cachedCopyOf(jarInGuest, size);
                if (digest == null) {
                    digest = cacheCopyOf(jarInGuest);
                    cachedBySize.computeIfAbsent(size, s -> ConcurrentHashMap.newKeySet()).add(digest);
                }
            }
        }
        Path entry = cache.resolve(digest);
        Path jar = entry.resolve(JAR);
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(JVM_OPTIONS);
        Path archive = entry.resolve(ARCHIVE);
        Path writing = null;
        synchronized (archiving) {
            long deadline = System.nanoTime() + archiveWait.toNanos();
            while (!Files.isRegularFile(archive) && archiving.contains(digest) && !stop.getAsBoolean()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    archiving.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the class-data archive of " + jarInGuest);
                }
            }
            if (Files.isRegularFile(archive)) {
                command.add("-XX:SharedArchiveFile=" + archive);
            } else if (archiving.add(digest)) {
                writing = entry.resolve(ARCHIVE + "." + ProcessHandle.current().pid() + ".partial");
                command.add("-XX:ArchiveClassesAtExit=" + writing);
            }
        }
        command.add("-jar");
        command.add(jar.toString());
        return new Launch(List.copyOf(command), digest, writing);
    }

    /** Copies the jar into the cache entry named by its SHA-256 (unless there already), and returns that digest. */
    private String cacheCopyOf(Path jarInGuest) throws IOException {
        String digest = RegionDigest.sha256(new FileRegion(jarInGuest, 0, FileRegion.TO_END));
        Path entry = cache.resolve(digest);
        Path jar = entry.resolve(JAR);
        if (!Files.isRegularFile(jar)) {
            Files.createDirectories(entry);
            Path partial = Files.createTempFile(entry, JAR, ".partial");
            try {
                Files.copy(jarInGuest, partial, StandardCopyOption.REPLACE_EXISTING);
                move(partial, jar);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        return digest;
    }

    /** The digest of a cached jar with the same bytes as {@code jarInGuest}, or null when none is known. */
    private String cachedCopyOf(Path jarInGuest, long size) throws IOException {
        for (String known : cachedBySize.getOrDefault(size, Set.of())) {
            try {
                if (Files.mismatch(jarInGuest, cache.resolve(known).resolve(JAR)) == -1L) {
                    return known;
                }
            } catch (NoSuchFileException e) {
                cachedBySize.get(size).remove(known); // the cache entry was removed: hash the jar, copy it again
            }
        }
        return null;
    }

    /** After the process of {@code launch} ended: a complete archive is published, a partial one dropped. */
    void finished(Launch launch, int exitCode) {
        if (launch.archiveBeingWritten() == null) {
            return;
        }
        Path written = launch.archiveBeingWritten();
        try {
            if (exitCode == 0 && Files.isRegularFile(written) && Files.size(written) > 0) {
                move(written, written.resolveSibling(ARCHIVE));
                LOG.info("agent class-data archive written for jar {}: later agent runs start faster", launch.digest());
            }
        } catch (IOException e) {
            LOG.warn("agent class-data archive {} not kept ({}); agents run without it", written, e.toString());
        } finally {
            try {
                Files.deleteIfExists(written);
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", written, e.toString());
            }
            synchronized (archiving) {
                archiving.remove(launch.digest());
                archiving.notifyAll();
            }
        }
    }

    /** Makes every launch that waits for an archive check its {@code stop} condition again. */
    void wakeWaiters() {
        synchronized (archiving) {
            archiving.notifyAll();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
