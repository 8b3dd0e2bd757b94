package org.clonefarm.platform.directory;

import org.clonefarm.platform.ids.Userid;

/** The statement that starts a directory entry: USER, IDENTITY or PROFILE. */
public sealed interface EntryHeader extends Statement permits UserStatement, ProfileStatement {

    /** The entry's name: the userid, or the profile name (same rules, same name space). */
    Userid name();
}
