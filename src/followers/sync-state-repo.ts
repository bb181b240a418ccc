/** Resumable `wxoa sync` progress. */
export interface SyncStateRepo {
  get(appid: string): Promise<{ syncId: string; nextOpenid: string | null; listed: number } | null>;
  set(appid: string, state: { syncId: string; nextOpenid: string | null; listed: number }): Promise<void>;
  clear(appid: string): Promise<void>;
}
