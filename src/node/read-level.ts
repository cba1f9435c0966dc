/** rqlite's read consistency levels. */
export type ReadLevel = 'none' | 'weak' | 'linearizable' | 'strong' | 'auto'
