// The two queries, with their argument rules, shared by gRPC and REST so that both answer the
// same thing and reject the same things (AppErrors, which both ports answer the same way).
import { AppError } from "@obs/service";
import type { BalanceRow, StatementCursor, StatementRow, Store } from "./store.ts";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

const invalid = (message: string) => AppError.invalidArgument(message);

function checkAccountId(accountId: string): void {
  if (!accountId) throw invalid("account_id is required");
}

/** 0 (proto3's "unset") is the default; the rest must lie in 1..MAX_PAGE_SIZE. */
export function pageSize(requested: number): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 0 || requested > MAX_PAGE_SIZE)
    throw invalid(`page_size must be between 0 and ${MAX_PAGE_SIZE}`);
  return requested;
}

/*
 * Page tokens are opaque to clients but plain to us: base64url JSON of the last line returned
 * and the account it belongs to, so a token cannot be replayed against another account and the
 * server keeps no cursor state (any instance can serve the next page).
 */
interface TokenBody {
  a: string;
  t: number;
  e: string;
}

export function encodePageToken(accountId: string, last: StatementCursor): string {
  const body: TokenBody = { a: accountId, t: last.postedAt.getTime(), e: last.entryId };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodePageToken(accountId: string, token: string): StatementCursor | undefined {
  if (token === "") return undefined;
  let body: Partial<TokenBody> | null;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid("page_token is not a token this service issued");
  }
  if (
    typeof body !== "object" ||
    body === null ||
    typeof body.a !== "string" ||
    typeof body.e !== "string" ||
    body.e === "" ||
    !Number.isSafeInteger(body.t)
  )
    throw invalid("page_token is not a token this service issued");
  if (body.a !== accountId) throw invalid("page_token belongs to another account");
  return { postedAt: new Date(body.t as number), entryId: body.e };
}

export async function getBalance(store: Store, accountId: string): Promise<BalanceRow> {
  checkAccountId(accountId);
  const balance = await store.getBalance(accountId);
  if (!balance) throw AppError.notFound(`account ${accountId} not found`);
  return balance;
}

export interface StatementsPage {
  lines: StatementRow[];
  /** "" on the last page, as proto3 leaves an unset string. */
  nextPageToken: string;
}

export async function listStatements(
  store: Store,
  request: { accountId: string; pageSize: number; pageToken: string },
): Promise<StatementsPage> {
  checkAccountId(request.accountId);
  const limit = pageSize(request.pageSize);
  const after = decodePageToken(request.accountId, request.pageToken);
  // The balance row exists as soon as the account is known (opened or posted to): without it
  // the account is unknown, which an empty list would hide.
  if (!(await store.getBalance(request.accountId)))
    throw AppError.notFound(`account ${request.accountId} not found`);
  // One extra row tells whether another page follows, without a count query.
  const rows = await store.listStatements(request.accountId, {
    limit: limit + 1,
    ...(after ? { after } : {}),
  });
  const lines = rows.slice(0, limit);
  const last = lines.at(-1);
  return {
    lines,
    nextPageToken: rows.length > limit && last ? encodePageToken(request.accountId, last) : "",
  };
}
