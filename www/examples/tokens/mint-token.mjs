// Minting the gateway's token in Node (no dependencies): an HS256 JWT
// naming the logged-in registrant's contacts, valid a few minutes.
//
//   import { mintToken } from './mint-token.mjs';
//   app.get('/verification-token', (req, res) => {
//     res.json({ token: mintToken({ secret: process.env.GATEWAY_TOKEN_SECRET,
//       sub: req.user.id, contacts: contactsOf(req.user) }) });
//   });
//
// As a command (what the tests run): GATEWAY_TOKEN_SECRET=... node
// mint-token.mjs '<contacts JSON>' [sub] [role] prints a token.
import { createHmac } from 'node:crypto';

const b64url = (data) => Buffer.from(data).toString('base64url');

/**
 * An HS256 token for the gateway. `contacts`: [{ id, provider, email,
 * handle?, verificationId?, domains? }]; `role`: 'registrant' or 'staff'.
 */
export function mintToken({ secret, sub, contacts = [], role = 'registrant', ttl = 600, audience = 'registrant-verification' }) {
  if (!secret || secret.length < 32) throw new Error('the gateway secret must be 32 bytes or more');
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = { aud: audience, sub: String(sub), role, iat: now, exp: now + ttl };
  if (role === 'registrant') claims.contacts = contacts;
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [contacts = '[]', sub = 'client-1', role = 'registrant'] = process.argv.slice(2);
  process.stdout.write(mintToken({ secret: process.env.GATEWAY_TOKEN_SECRET, sub, role, contacts: JSON.parse(contacts) }) + '\n');
}
