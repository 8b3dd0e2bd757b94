package org.clonefarm.agent.internal;

/** The first line of every file the agent writes, so an administrator knows where it came from. */
final class FileHeader {
    private FileHeader() {
    }

    static String of(String commentPrefix, String userid) {
        return commentPrefix + " Written by the clonefarm agent for " + userid + "\n";
    }
}
