/**
 * Inside a running worker: the consumer loop of the requests topic, the verification of each request before
 * a byte is written, the job that copies one clone, the ledger of what may be committed, the view of the
 * events topic it checks against, its HTTP health server and meters.
 */
package org.clonefarm.worker.service.internal;
