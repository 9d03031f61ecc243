package dev.cozegateway.adapters.redis;

/**
 * Every Lua script the stores run. Redis runs a script atomically: no other command runs on that
 * server while it does, which is what makes each of these a single, indivisible change.
 *
 * <p>Cluster rule: every key a script touches shares the hash tag of {@code KEYS[1]}. Where a
 * script builds a key itself (a record named by an index entry), it builds it from a key prefix
 * passed in {@code ARGV} that carries that same tag, so the key is in the same slot.
 */
final class Scripts {
  private Scripts() {}

  /**
   * A Lua function for the scripts that set a TTL: {@code deadline(expire_ms, retention_ms)} is a
   * Unix time in ms, {@code retention_ms} past the later of now and the given expiry. "Now" is the
   * server's clock, so every gateway replica uses the same one; {@code %d} keeps it an integer.
   */
  private static final String DEADLINE =
      """
      local function deadline(expire_ms, retention_ms)
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        return string.format('%d', math.max(now, tonumber(expire_ms)) + tonumber(retention_ms))
      end
      """;

  // --- connections ---

  /**
   * put: writes the connection and adds its id to the tenant's index, together.
   *
   * <p>KEYS: record, tenant index. ARGV: version, record JSON, connection id.
   */
  static final LuaScript PUT_CONNECTION =
      LuaScript.of(
          "put-connection",
          """
          redis.call('HSET', KEYS[1], 'version', ARGV[1], 'record', ARGV[2])
          redis.call('ZADD', KEYS[2], 0, ARGV[3])
          return 1
          """);

  /**
   * replaceIfVersion: the compare-and-set. Writes only if the stored version is the expected one,
   * so a writer holding a stale copy can never overwrite a newer record, and a missing record is
   * never created. Returns 1 if written, else 0.
   *
   * <p>KEYS: record, tenant index. ARGV: expected version, new version, record JSON, connection id.
   */
  static final LuaScript REPLACE_CONNECTION_IF_VERSION =
      LuaScript.of(
          "replace-connection-if-version",
          """
          if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then
            return 0
          end
          redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3])
          redis.call('ZADD', KEYS[2], 0, ARGV[4])
          return 1
          """);

  /**
   * delete: removes the connection and its index entry, together. Returns 1 if it existed.
   *
   * <p>KEYS: record, tenant index. ARGV: connection id.
   */
  static final LuaScript DELETE_CONNECTION =
      LuaScript.of(
          "delete-connection",
          """
          local existed = redis.call('DEL', KEYS[1])
          redis.call('ZREM', KEYS[2], ARGV[1])
          return existed
          """);

  /**
   * list: one page of the tenant's index in id order and the records it names, read in one atomic
   * step, so that a page is never short because of a concurrent delete.
   *
   * <p>KEYS: tenant index. ARGV: lower bound ({@code -} or {@code (id}), limit, record key prefix.
   */
  static final LuaScript LIST_CONNECTIONS =
      LuaScript.of(
          "list-connections",
          """
          local ids = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])
          local records = {}
          for _, id in ipairs(ids) do
            local record = redis.call('HGET', ARGV[3] .. id, 'record')
            if record then
              records[#records + 1] = record
            end
          end
          return records
          """);

  // --- authorizations ---
  //
  // An authorization is a hash: version (what the compare-and-set compares), record (JSON) and due
  // (its member in the tenant's due index, '' when it has none), so that a write can move its due
  // member without decoding the record. Due members are "{sortable time}:{authorization id}"
  // (StoredRecords.sortableTime: 27 digits), all with score 0, so that lex order is next poll time
  // order, then id order; string.sub(member, 29) is the authorization id. A record written before
  // authorizations were hashes is a string holding the JSON: it reads as version 0 with no due
  // member, and its next write replaces it with a hash.

  /**
   * A Lua function: {@code read_record(key)} is the record JSON under an authorization key, a hash
   * or a string written before hashes, or false if there is none.
   */
  private static final String READ_RECORD =
      """
      local function read_record(key)
        local kind = redis.call('TYPE', key)['ok']
        if kind == 'hash' then
          return redis.call('HGET', key, 'record')
        elseif kind == 'string' then
          return redis.call('GET', key)
        end
        return false
      end
      """;

  /**
   * A Lua function: {@code write_record(key, due_index, version, record, due, at)} replaces what
   * the authorization key holds with a hash of the given fields, expiring at {@code at} (Unix ms),
   * and moves its member in the due index from the one it had (if any) to {@code due} (none if '').
   */
  private static final String WRITE_RECORD =
      """
      local function write_record(key, due_index, version, record, due, at)
        local old = false
        if redis.call('TYPE', key)['ok'] == 'hash' then
          old = redis.call('HGET', key, 'due')
        end
        if old and old ~= '' and old ~= due then
          redis.call('ZREM', due_index, old)
        end
        if due ~= '' then
          redis.call('ZADD', due_index, 0, due)
        end
        redis.call('DEL', key)
        redis.call('HSET', key, 'version', version, 'record', record, 'due', due)
        redis.call('PEXPIREAT', key, at)
      end
      """;

  /**
   * create: if the tenant's request id is already taken, returns the authorization it names and
   * writes nothing (SET NX semantics); otherwise writes the record, its due member and the
   * request-id entry, with one deadline, and returns nil.
   *
   * <p>KEYS: record, due index, request-id entry (absent without a request id). ARGV: version,
   * record JSON, authorization id, expire time (ms), retention (ms), the tenant's record key
   * prefix, due member ('' for none).
   */
  static final LuaScript CREATE_AUTHORIZATION =
      LuaScript.of(
          "create-authorization",
          DEADLINE
              + READ_RECORD
              + WRITE_RECORD
              + """
              if KEYS[3] then
                local earlier = redis.call('GET', KEYS[3])
                if earlier then
                  local record = read_record(ARGV[6] .. earlier)
                  if record then
                    return record
                  end
                end
              end
              local at = deadline(ARGV[4], ARGV[5])
              write_record(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[7], at)
              if KEYS[3] then
                redis.call('SET', KEYS[3], ARGV[3], 'PXAT', at)
              end
              return false
              """);

  /**
   * update: replaces the record, moves its due member, and moves its deadline (and its request-id
   * entry's, if that entry still names it) to a day past the later of now and its expiry.
   *
   * <p>KEYS: record, due index, request-id entry (absent without a request id). ARGV: version,
   * record JSON, authorization id, expire time (ms), retention (ms), due member ('' for none).
   */
  static final LuaScript UPDATE_AUTHORIZATION =
      LuaScript.of(
          "update-authorization",
          DEADLINE
              + WRITE_RECORD
              + """
              local at = deadline(ARGV[4], ARGV[5])
              write_record(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[6], at)
              if KEYS[3] and redis.call('GET', KEYS[3]) == ARGV[3] then
                redis.call('PEXPIREAT', KEYS[3], at)
              end
              return 1
              """);

  /**
   * replaceIfVersion: what update does, but only if the stored version is the expected one (a
   * record written before versions existed is version 0); a missing record is never created.
   * Returns 1 if written, else 0.
   *
   * <p>KEYS: record, due index, request-id entry (absent without a request id). ARGV: expected
   * version, new version, record JSON, authorization id, expire time (ms), retention (ms), due
   * member ('' for none).
   */
  static final LuaScript REPLACE_AUTHORIZATION_IF_VERSION =
      LuaScript.of(
          "replace-authorization-if-version",
          DEADLINE
              + WRITE_RECORD
              + """
              local kind = redis.call('TYPE', KEYS[1])['ok']
              local version = false
              if kind == 'hash' then
                version = redis.call('HGET', KEYS[1], 'version')
              elseif kind == 'string' then
                version = '0'
              end
              if version ~= ARGV[1] then
                return 0
              end
              local at = deadline(ARGV[5], ARGV[6])
              write_record(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[7], at)
              if KEYS[3] and redis.call('GET', KEYS[3]) == ARGV[4] then
                redis.call('PEXPIREAT', KEYS[3], at)
              end
              return 1
              """);

  /**
   * find: the record JSON, or nil.
   *
   * <p>KEYS: record.
   */
  static final LuaScript FIND_AUTHORIZATION =
      LuaScript.of(
          "find-authorization",
          READ_RECORD
              + """
              return read_record(KEYS[1])
              """);

  /**
   * findByRequestId: follows the request-id entry to the record, in one step.
   *
   * <p>KEYS: request-id entry. ARGV: the tenant's record key prefix.
   */
  static final LuaScript AUTHORIZATION_BY_REQUEST_ID =
      LuaScript.of(
          "authorization-by-request-id",
          READ_RECORD
              + """
              local id = redis.call('GET', KEYS[1])
              if not id then
                return false
              end
              return read_record(ARGV[1] .. id)
              """);

  /**
   * findDuePolls, for one tenant: the records of the device authorizations whose next poll time is
   * at or before a bound, soonest first, at most a limit of them. A member whose record is gone
   * (its TTL ran out while it was still PENDING) or no longer names it is removed, and not
   * returned.
   *
   * <p>KEYS: due index. ARGV: upper bound ({@code (<sortable now>;}, past every member at now),
   * limit, the tenant's record key prefix.
   */
  static final LuaScript DUE_AUTHORIZATIONS =
      LuaScript.of(
          "due-authorizations",
          """
          local members = redis.call('ZRANGEBYLEX', KEYS[1], '-', ARGV[1], 'LIMIT', 0, ARGV[2])
          local records = {}
          for _, member in ipairs(members) do
            local key = ARGV[3] .. string.sub(member, 29)
            local current = false
            if redis.call('TYPE', key)['ok'] == 'hash' then
              current = redis.call('HMGET', key, 'record', 'due')
            end
            if current and current[1] and current[2] == member then
              records[#records + 1] = current[1]
            else
              redis.call('ZREM', KEYS[1], member)
            end
          end
          return records
          """);

  /**
   * Indexes a state hash, before the record exists (see {@link RedisAuthorizationStore#create}).
   *
   * <p>KEYS: state entry. ARGV: authorization name, expire time (ms), retention (ms).
   */
  static final LuaScript INDEX_STATE =
      LuaScript.of(
          "index-state",
          DEADLINE
              + """
              redis.call('SET', KEYS[1], ARGV[1], 'PXAT', deadline(ARGV[2], ARGV[3]))
              return 1
              """);

  /**
   * Removes a state entry only if it still names the given authorization: the clean-up after a
   * create that lost to an earlier request with the same request id.
   *
   * <p>KEYS: state entry. ARGV: authorization name.
   */
  static final LuaScript UNINDEX_STATE =
      LuaScript.of(
          "unindex-state",
          """
          if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
          end
          return 0
          """);

  // --- refresh leases ---

  /**
   * Renews a refresh lease: moves its TTL to the given one, but only while it still holds this
   * holder's owner token, so that a holder never extends a lease another holder took. Returns 1 if
   * renewed, 0 if the lease is gone or another holder's.
   *
   * <p>KEYS: lease. ARGV: owner token, TTL (ms).
   */
  static final LuaScript RENEW_LEASE =
      LuaScript.of(
          "renew-refresh-lease",
          """
          if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
          end
          return 0
          """);

  /**
   * Releases a refresh lease, but only while it still holds this holder's owner token, so that a
   * holder whose lease lapsed never releases its successor's. Returns 1 if released, else 0.
   *
   * <p>KEYS: lease. ARGV: owner token.
   */
  static final LuaScript RELEASE_LEASE =
      LuaScript.of(
          "release-refresh-lease",
          """
          if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
          end
          return 0
          """);

  // --- workflow runs ---
  //
  // Index members are "{sortable time}:{run id}" (StoredRecords.sortableTime: 27 digits), all
  // with score 0, so that lex order is time order, then run id order; string.sub(member, 29) is
  // the run id. A run's hash keeps the members it was indexed under (fields order, due, idle), so
  // that a write can remove them without decoding the record.

  /**
   * create: if the tenant's request id names a stored run, returns that run's record and writes
   * nothing. Otherwise, if a run of that name exists, returns 0 and writes nothing. Otherwise
   * writes the run's hash, its index entries and its request id entry, and returns 1.
   *
   * <p>KEYS: record, runs index, due index, idle index, request-id entry (absent without a request
   * id). ARGV: version, record JSON, run id, order member, due member ('' for none), idle member
   * ('' for none), request id, workflow id, state, connection name, the tenant's record key prefix.
   */
  static final LuaScript CREATE_WORKFLOW_RUN =
      LuaScript.of(
          "create-workflow-run",
          """
          if KEYS[5] then
            local earlier = redis.call('GET', KEYS[5])
            if earlier then
              local record = redis.call('HGET', ARGV[11] .. earlier, 'record')
              if record then
                return record
              end
            end
          end
          if redis.call('EXISTS', KEYS[1]) == 1 then
            return 0
          end
          redis.call('HSET', KEYS[1], 'version', ARGV[1], 'record', ARGV[2], 'order', ARGV[4],
            'due', ARGV[5], 'idle', ARGV[6], 'request', ARGV[7], 'workflow', ARGV[8],
            'state', ARGV[9], 'connection', ARGV[10])
          redis.call('ZADD', KEYS[2], 0, ARGV[4])
          if ARGV[5] ~= '' then
            redis.call('ZADD', KEYS[3], 0, ARGV[5])
          end
          if ARGV[6] ~= '' then
            redis.call('ZADD', KEYS[4], 0, ARGV[6])
          end
          if KEYS[5] then
            redis.call('SET', KEYS[5], ARGV[3])
          end
          return 1
          """);

  /**
   * replaceIfVersion: writes the run and moves its index entries only if the stored version is the
   * expected one; a missing run is never created. The request id entry stays as create wrote it.
   * Returns 1 if written, else 0.
   *
   * <p>KEYS: record, runs index, due index, idle index. ARGV: expected version, new version, record
   * JSON, order member, due member ('' for none), idle member ('' for none), workflow id, state,
   * connection name.
   */
  static final LuaScript REPLACE_WORKFLOW_RUN_IF_VERSION =
      LuaScript.of(
          "replace-workflow-run-if-version",
          """
          local current = redis.call('HMGET', KEYS[1], 'version', 'order', 'due', 'idle')
          if current[1] ~= ARGV[1] then
            return 0
          end
          local function move(index, old, new)
            if old == new then
              return
            end
            if old and old ~= '' then
              redis.call('ZREM', index, old)
            end
            if new ~= '' then
              redis.call('ZADD', index, 0, new)
            end
          end
          move(KEYS[2], current[2], ARGV[4])
          move(KEYS[3], current[3], ARGV[5])
          move(KEYS[4], current[4], ARGV[6])
          redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3], 'order', ARGV[4],
            'due', ARGV[5], 'idle', ARGV[6], 'workflow', ARGV[7], 'state', ARGV[8],
            'connection', ARGV[9])
          return 1
          """);

  /**
   * list: scans at most a budget of the tenant's index, newest first, from a bound, and returns the
   * records of the runs that pass the filters (each compared with a field of the run's hash, '' for
   * any), at most a limit of them. The reply is {last member scanned ('' if none), 1 if the budget
   * was used up (so more may follow) else 0, record...}.
   *
   * <p>KEYS: runs index. ARGV: upper bound ({@code +} or {@code (member}), limit, budget, the
   * tenant's record key prefix, workflow id, state, connection name.
   */
  static final LuaScript LIST_WORKFLOW_RUNS =
      LuaScript.of(
          "list-workflow-runs",
          """
          local budget = tonumber(ARGV[3])
          local limit = tonumber(ARGV[2])
          local members = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], '-', 'LIMIT', 0, budget)
          local reply = {'', 0}
          if #members == budget then
            reply[2] = 1
          end
          local found = 0
          for _, member in ipairs(members) do
            reply[1] = member
            local run = redis.call('HMGET', ARGV[4] .. string.sub(member, 29),
              'record', 'workflow', 'state', 'connection')
            if run[1] and (ARGV[5] == '' or run[2] == ARGV[5])
                and (ARGV[6] == '' or run[3] == ARGV[6])
                and (ARGV[7] == '' or run[4] == ARGV[7]) then
              reply[#reply + 1] = run[1]
              found = found + 1
              if found == limit then
                break
              end
            end
          end
          return reply
          """);

  /**
   * findDue, for one tenant: the records of the runs whose check time is at or before a bound,
   * soonest first, at most a limit of them.
   *
   * <p>KEYS: due index. ARGV: upper bound ({@code (<sortable now>;}, past every member at now),
   * limit, the tenant's record key prefix.
   */
  static final LuaScript DUE_WORKFLOW_RUNS =
      LuaScript.of(
          "due-workflow-runs",
          """
          local members = redis.call('ZRANGEBYLEX', KEYS[1], '-', ARGV[1], 'LIMIT', 0, ARGV[2])
          local records = {}
          for _, member in ipairs(members) do
            local record = redis.call('HGET', ARGV[3] .. string.sub(member, 29), 'record')
            if record then
              records[#records + 1] = record
            end
          end
          return records
          """);

  /**
   * deleteExpired, for one tenant: deletes at most a limit of the runs without a check time whose
   * update time is before a bound, with their index entries and their request id entries (if those
   * still name them). Returns how many it deleted.
   *
   * <p>KEYS: idle index, runs index, due index. ARGV: upper bound ({@code (<sortable cutoff>}),
   * limit, the tenant's record key prefix, the tenant's request-id key prefix.
   */
  static final LuaScript DELETE_EXPIRED_WORKFLOW_RUNS =
      LuaScript.of(
          "delete-expired-workflow-runs",
          """
          local members = redis.call('ZRANGEBYLEX', KEYS[1], '-', ARGV[1], 'LIMIT', 0, ARGV[2])
          for _, member in ipairs(members) do
            local id = string.sub(member, 29)
            local key = ARGV[3] .. id
            local run = redis.call('HMGET', key, 'order', 'due', 'request')
            redis.call('ZREM', KEYS[1], member)
            if run[1] then
              redis.call('ZREM', KEYS[2], run[1])
            end
            if run[2] and run[2] ~= '' then
              redis.call('ZREM', KEYS[3], run[2])
            end
            if run[3] and run[3] ~= '' and redis.call('GET', ARGV[4] .. run[3]) == id then
              redis.call('DEL', ARGV[4] .. run[3])
            end
            redis.call('DEL', key)
          end
          return #members
          """);

  // --- service tokens ---

  /**
   * putIfFresher: writes the token unless the stored one expires at the same time or later, and
   * then sets the key to expire when the token does. Expire times are compared as {@link
   * dev.cozegateway.storerecords.StoredRecords#sortableTime} strings, exact to the nanosecond (Lua
   * numbers are doubles, which are not). Returns false (nil) if it wrote, else the stored record.
   *
   * <p>KEYS: token. ARGV: sortable expire time, record JSON, expire time (Unix ms, rounded up).
   */
  static final LuaScript PUT_SERVICE_TOKEN_IF_FRESHER =
      LuaScript.of(
          "put-service-token-if-fresher",
          """
          local stored = redis.call('HMGET', KEYS[1], 'expire', 'record')
          if stored[1] and stored[2] and stored[1] >= ARGV[1] then
            return stored[2]
          end
          redis.call('HSET', KEYS[1], 'expire', ARGV[1], 'record', ARGV[2])
          redis.call('PEXPIREAT', KEYS[1], ARGV[3])
          return false
          """);
}
