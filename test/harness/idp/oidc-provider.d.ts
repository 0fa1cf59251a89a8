/**
 * The slice of oidc-provider 9 (an untyped ESM package) that the reference IdP uses, including
 * two internal helper modules: the custom grants issue their tokens through the same code as the
 * built-in grants, so DPoP binding, refresh tokens and id_tokens behave exactly like theirs.
 * Pinned to the installed 9.x; a test fails loudly if those internals move.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OidcParams {
    readonly [name: string]: string | undefined;
  }

  export interface OidcClient {
    readonly clientId: string;
    readonly clientAuthMethod: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface OidcContext {
    readonly oidc: {
      readonly params: OidcParams;
      readonly client: OidcClient;
      readonly provider: Provider;
      readonly entities: Record<string, unknown>;
    };
    set(header: string, value: string): void;
    get(header: string): string;
    status: number;
    body: unknown;
    readonly method: string;
    readonly path: string;
    readonly headers: Record<string, string | string[] | undefined>;
    readonly request: { readonly body?: unknown };
  }

  export interface AccountClaims {
    readonly sub: string;
    readonly [claim: string]: unknown;
  }

  export interface Account {
    readonly accountId: string;
    claims(use: string, scope: string): AccountClaims | Promise<AccountClaims>;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(ttl?: number): Promise<string>;
    readonly jti: string;
  }

  export interface AccessTokenInstance {
    readonly accountId: string;
    readonly clientId: string;
    readonly jkt?: string;
    readonly isExpired: boolean;
    readonly scopes: Set<string>;
  }

  export interface BackchannelRequestInstance {
    readonly jti: string;
    readonly accountId: string;
    readonly clientId: string;
    readonly scope: string;
    readonly params: Record<string, unknown>;
  }

  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { readonly name: string; readonly reasons: readonly string[] };
    readonly params: Record<string, unknown>;
    readonly session?: { readonly accountId?: string };
  }

  export interface InteractionResult {
    readonly login?: {
      readonly accountId: string;
      readonly acr?: string;
      readonly amr?: string[];
      readonly remember?: boolean;
    };
    readonly consent?: { readonly grantId: string };
    readonly error?: string;
    readonly error_description?: string;
  }

  export interface ProviderEvents {
    on(event: string, listener: (...args: unknown[]) => void): void;
  }

  export type GrantHandler = (ctx: OidcContext) => Promise<void>;

  export class Provider implements ProviderEvents {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    proxy: boolean;
    use(middleware: (ctx: OidcContext, next: () => Promise<void>) => Promise<void>): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    registerGrantType(
      name: string,
      handler: GrantHandler,
      params?: string[] | Set<string>,
      dupes?: string[],
    ): void;
    backchannelResult(
      request: BackchannelRequestInstance | string,
      result: GrantInstance | Error,
      options?: { acr?: string; amr?: string[]; authTime?: number },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): void;
    urlFor(name: string): string;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    readonly Grant: new (fields: { accountId: string; clientId: string }) => GrantInstance;
    readonly Client: {
      readonly adapter: { upsert(id: string, payload: Record<string, unknown>): Promise<void> };
    };
    readonly AccessToken: { find(value: string): Promise<AccessTokenInstance | undefined> };
    readonly BackchannelAuthenticationRequest: {
      find(
        value: string,
        options?: { ignoreExpiration?: boolean },
      ): Promise<BackchannelRequestInstance | undefined>;
    };
  }

  export const errors: {
    readonly CustomOIDCProviderError: new (
      error: string,
      description: string,
    ) => Error & {
      status: number;
      statusCode: number;
    };
    readonly InvalidGrant: new (detail?: string) => Error;
    readonly InvalidRequest: new (description: string) => Error;
    readonly AccessDenied: new (description?: string) => Error;
  };

  export default Provider;
}

declare module 'oidc-provider/lib/helpers/grants.js' {
  /** Internal grant helpers; each takes the provider first (the built-in grants get them bound). */
  type Helper = (...args: unknown[]) => unknown;
  export const validateDpop: Helper;
  export const checkDpopRequired: Helper;
  export const checkMtlsCert: Helper;
  export const resolveAndApplyResource: Helper;
  export const applyAuthorizationDetails: Helper;
  export const buildTokenResponse: Helper;
}

declare module 'oidc-provider/lib/helpers/grant_common.js' {
  import type { OidcContext, Provider, GrantInstance } from 'oidc-provider';

  export interface GrantSource {
    accountId: string;
    grantId: string;
    scope: string;
    scopes: Set<string>;
    acr: string;
    amr: string[];
    authTime: number;
    claims: Record<string, unknown>;
    expiresWithSession: boolean;
  }

  export function issueTokens(
    provider: Provider,
    helpers: Record<string, (...args: unknown[]) => unknown>,
    ctx: OidcContext,
    source: GrantSource,
    grant: GrantInstance,
    options: { gty: string; entityLabel: string; cert: unknown; dPoP: unknown },
  ): Promise<void>;
}
