/**
 * What a person sees of a running clonefarm: the terminal of the long-running commands ({@link
 * org.clonefarm.cli.console.Console}: what starts, progress in place, problems as sentences, results), the
 * process's logging configuration and log files ({@link org.clonefarm.cli.console.ProcessLogging}, the only
 * code that knows the logging binding), and how hints name the command ({@link
 * org.clonefarm.cli.console.Invocation}).
 */
package org.clonefarm.cli.console;
