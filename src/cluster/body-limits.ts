/**
 * Largest bodies the cluster port reads into memory. Honest peers stay under them: an RPC
 * carries statements from one client request (at most -http-max-body of JSON), and a batch of
 * Raft messages is cut at the transport's byte budget, plus at most one oversized entry.
 */

/**
 * CBOR can be larger than the JSON it came from: an integer parameter is a 9-byte int64 in
 * CBOR for 2 bytes ("1,") of JSON.
 */
const CBOR_GROWTH = 5
const ENVELOPE_BYTES = 1024 * 1024

export function rpcBodyLimit(httpMaxBodyBytes: number): number {
  return httpMaxBodyBytes * CBOR_GROWTH + ENVELOPE_BYTES
}

export function messageBatchLimit(raftMaxBatchBytes: number, httpMaxBodyBytes: number): number {
  return raftMaxBatchBytes + rpcBodyLimit(httpMaxBodyBytes)
}
