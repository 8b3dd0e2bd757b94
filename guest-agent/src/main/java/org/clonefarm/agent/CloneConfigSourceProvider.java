package org.clonefarm.agent;

import java.util.Optional;

/**
 * Opens a {@link CloneConfigSource} for a location (a file, a block device, a byte range
 * {@code PATH[:OFFSET[:LENGTH]]} of a volume image) and a NAMES file name. Providers are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.clonefarm.agent.CloneConfigSourceProvider}),
 * so the reader of CMS disks and NAMES files plugs in without the agent knowing its classes.
 * {@link CloneConfigSources#open} asks each provider in turn; the first that accepts the location
 * serves it.
 */
public interface CloneConfigSourceProvider {

    /**
     * @return the source, or empty when this provider does not serve such a location
     * @throws AgentException with step {@link AgentStep#READ_CONFIG} when it serves the location but
     *     cannot read it
     */
    Optional<CloneConfigSource> open(String location, String namesFile);
}
