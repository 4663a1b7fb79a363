// Port: a review's stored items exactly as stored, for the export (`living-review export --format json`) that
// a restore reads back into an empty store. Implemented over the single DynamoDB table
// (shared/adapters/dynamodb/review-archive.ts): every item of a review lives in its partition.

/**
 * One stored item in DynamoDB's JSON form (attribute name -> {"S": ...}, {"N": "1"}, {"SS": [...]}, {"M": ...},
 * ...), binary values as base64: the form AWS's own table exports use, so nothing is lost on the way (string
 * sets stay sets, binary stays binary, numbers keep every digit).
 */
export type ArchivedItem = Record<string, unknown>;

export interface RestoreOutcome {
  /** Items written now. */
  written: number;
  /** Items already stored exactly as archived (an earlier restore of the same export that stopped part-way). */
  present: number;
}

export interface ReviewArchive {
  /** Every item of the review, in sort-key order. */
  readItems(reviewId: string): Promise<ArchivedItem[]>;
  /**
   * Writes the items into the review's partition, which must hold nothing but items of this same archive
   * (empty, or a restore of it that stopped part-way: running it again completes it). Anything else stored
   * there refuses the restore before a single write.
   */
  restoreItems(reviewId: string, items: readonly ArchivedItem[]): Promise<RestoreOutcome>;
}
