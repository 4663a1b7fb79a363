// Port: the digest marker, "the last digest covered everything up to T": where the next digest starts.
// Implemented over the single DynamoDB table by shared/adapters/dynamodb/digest-store.ts (one class serves
// every port the digest, report, triggers and retraction watch keep between runs), so the embedded store serves it too.

export interface DigestMarker {
  reviewId: string;
  /** Every candidate queued and run started up to this instant (ISO) was in a digest that was sent. */
  through: string;
  /** The Message-ID of the digest that moved the marker here. */
  messageId: string | null;
  sentAt: string;
}

export interface DigestMarkerStore {
  getDigestMarker(reviewId: string): Promise<DigestMarker | null>;
  /**
   * Moves the marker from `from` (null: no marker yet) to `marker.through`, a conditional write: false (nothing
   * written) when the marker was not at `from` any more.
   */
  advanceDigestMarker(reviewId: string, from: string | null, marker: DigestMarker): Promise<boolean>;
}
