package org.clonefarm.platform.cms;

import java.time.LocalDateTime;

/**
 * One file as listed in the directory of a CMS disk. Immutable.
 *
 * @param id name, type and mode
 * @param recordFormat F or V
 * @param lrecl F: the record length; V: the longest record
 * @param records number of records (FSTAIC)
 * @param dataBlocks data blocks, pointer blocks not counted (FSTADBC)
 * @param pointerLevels levels of pointer blocks between the FST and the data (FSTNLVL)
 * @param lastWritten date and time of the last write, local time as CMS stores it (FSTADATI), or null
 *     when the stored date is not a valid date
 */
public record CmsFile(CmsFileId id, RecordFormat recordFormat, int lrecl, long records, long dataBlocks,
        int pointerLevels, LocalDateTime lastWritten) {
}
