#!/usr/bin/env bash
# Prints a JWT for the local system, signed (HS256) with the key scripts/run.sh keeps in .azurite/jwt.key, or with
# $Auth__Jwt__SigningKey when set. For trying bearer auth by hand; in Azure, tokens come from Entra ID.
#   scripts/token.sh [SCOPES] [MINUTES] [TIER] [SUBJECT]
#   e.g. curl -H "Authorization: Bearer $(scripts/token.sh 'tasks:read tasks:write' 60)" http://127.0.0.1:7071/api/tasks
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SCOPES=${1:-tasks:read} MINUTES=${2:-60} TIER=${3:-} SUBJECT=${4:-${USER:-local}}
KEY=${Auth__Jwt__SigningKey:-}
if [ -z "$KEY" ]; then
  [ -s "$LOCAL_DATA/jwt.key" ] || { echo "no signing key: run scripts/run.sh once, or set Auth__Jwt__SigningKey" >&2; exit 1; }
  KEY="$(cat "$LOCAL_DATA/jwt.key")"
fi
# Node is here anyway (Azurite needs it); its crypto signs the token, nothing is installed.
node -e '
  const crypto = require("crypto");
  const [key, scopes, minutes, tier, sub, iss, aud] = process.argv.slice(1);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss, aud, sub, scp: scopes, iat: now, nbf: now, exp: now + 60 * Number(minutes) };
  if (tier) claims.tier = tier;
  const unsigned = b64({ alg: "HS256", typ: "JWT" }) + "." + b64(claims);
  console.log(unsigned + "." + crypto.createHmac("sha256", key).update(unsigned).digest("base64url"));
' "$KEY" "$SCOPES" "$MINUTES" "$TIER" "$SUBJECT" "${Auth__Jwt__Issuer:-taskscheduler}" "${Auth__Jwt__Audience:-taskscheduler}"
