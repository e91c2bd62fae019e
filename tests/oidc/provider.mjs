// A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider` package
// (installed by `npm ci` from package.json), on 127.0.0.1 only, with its development login
// pages (any password is accepted for a known login name). Configured by environment:
//   OIDC_PORT       the port to listen on
//   OIDC_CLIENT     JSON: {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   OIDC_ACCOUNTS   JSON: {"<login>": {"email": "...", "email_verified": true, "name": "..."}}
// Prints "ready <issuer>" once it listens. Test-only: never run it in production.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      ...client,
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...account };
      },
    };
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => false },
  cookies: { keys: ["test-only-cookie-key"] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600 },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
