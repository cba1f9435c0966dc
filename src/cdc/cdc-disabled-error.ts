/** Change data capture was asked for on a node that does not capture (no `-cdc-config`). */
export class CdcDisabledError extends Error {
  constructor() {
    super('change data capture is not enabled on this node (start it with -cdc-config)')
    this.name = 'CdcDisabledError'
  }
}
