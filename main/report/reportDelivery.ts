/** Signed reports go to PACS through the durable outbound queue; this adapts the queue to the report service and the API. */
import type { OutboundItem as QueuedObject } from '../../db/outboundRepository.js';
import { ApiFailure } from '../api/apiError.js';
import { OutboundQueueError, type OutboundQueue } from '../outbound/outboundQueue.js';
import type { OutboundItem } from './reportContract.js';
import type { ReportDelivery } from './reportService.js';

const DESCRIPTION_OF_SOP_CLASS: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.88.33': 'Structured report',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Structured report',
  '1.2.840.10008.5.1.4.1.1.104.1': 'PDF report',
  '1.2.840.10008.5.1.4.1.1.7': 'Key images',
};

/** What the API shows of a queued object: no file paths, no node details beyond its name. */
export function outboundView(item: QueuedObject): OutboundItem {
  const kind = DESCRIPTION_OF_SOP_CLASS[item.sopClassUid] ?? 'DICOM object';
  return {
    id: item.id,
    sopInstanceUid: item.sopInstanceUid,
    sopClassUid: item.sopClassUid,
    studyInstanceUid: item.studyInstanceUid,
    description: item.reportVersion === null ? kind : `${kind} v${item.reportVersion}`,
    destination: item.destination,
    status: item.status,
    attempts: item.attempts,
    nextAttemptAt: item.status === 'queued' ? item.nextAttemptAt : null,
    lastError: item.lastError,
    createdAt: item.createdAt,
    sentAt: item.sentAt,
    reportId: item.reportId,
    reportVersion: item.reportVersion,
  };
}

export function queueDelivery(queue: OutboundQueue): ReportDelivery {
  return {
    async enqueue(objects, destination, context, again) {
      try {
        return (await queue.queueObjects(objects, destination, context, { again })).queued;
      } catch (error) {
        // E.g. other bytes under a SOP Instance UID already sent: never two different objects for one UID.
        if (error instanceof OutboundQueueError) throw new ApiFailure(error.code === 'write-failed' ? 'internal' : 'conflict', error.message);
        throw error;
      }
    },
    list({ studyInstanceUid, reportId, limit }) {
      // Newest first, so a limit keeps the latest deliveries.
      const items = queue
        .list(reportId === undefined ? {} : { reportId })
        .filter((item) => studyInstanceUid === undefined || item.studyInstanceUid === studyInstanceUid)
        .sort((a, b) => b.id - a.id);
      return items.slice(0, limit ?? items.length).map(outboundView);
    },
    retry(id) {
      if (!queue.get(id)) return undefined;
      try {
        queue.retryNow(id);
      } catch (error) {
        if (error instanceof OutboundQueueError) throw new ApiFailure('conflict', error.message);
        throw error;
      }
      const item = queue.get(id);
      return item && outboundView(item);
    },
  };
}
