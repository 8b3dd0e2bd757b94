/**
 * The {@code clonefarm} command (picocli): one class per subcommand, the options shared between them, and
 * how user errors are reported (one sentence, an exit code).
 */
package org.clonefarm.cli;
