/**
 * What the workstation asks for when it registers itself: only what the IdP's discovery
 * document advertises, so that a missing optional grant never blocks the others.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CIBA_GRANT,
  JWT_BEARER_GRANT,
  offerOf,
  registrationMetadata,
  strongestAuthMethod,
} from '../../../../app/adapters/idp/workstation-client.js';

const PUBLIC_KEY = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };

describe('registration metadata', () => {
  it('asks for every grant Relève uses when the IdP offers them all', () => {
    const offer = offerOf({
      grant_types_supported: [
        'authorization_code',
        'password',
        JWT_BEARER_GRANT,
        'refresh_token',
        CIBA_GRANT,
      ],
      backchannel_authentication_endpoint: 'https://idp/ciba',
      backchannel_token_delivery_modes_supported: ['poll', 'ping'],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      dpop_signing_alg_values_supported: ['ES256'],
    });
    const metadata = registrationMetadata(offer, 'Relève PC-12', PUBLIC_KEY, 'k1');
    expect(metadata.grant_types).toEqual([
      'authorization_code',
      'password',
      JWT_BEARER_GRANT,
      'refresh_token',
      CIBA_GRANT,
    ]);
    expect(metadata.backchannel_token_delivery_mode).toBe('poll');
    expect(metadata.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(metadata.redirect_uris).toEqual(['http://127.0.0.1/releve/enrollment']);
    expect(offer.dpop).toBe(true);
  });

  it('leaves out CIBA and JWT bearer, and the CIBA delivery mode, when the IdP does not advertise them', () => {
    const offer = offerOf({
      grant_types_supported: ['authorization_code', 'password', 'refresh_token', 'implicit'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    const metadata = registrationMetadata(offer, 'Relève PC-12', PUBLIC_KEY, 'k1');
    expect(metadata.grant_types).toEqual(['authorization_code', 'password', 'refresh_token']);
    expect(metadata).not.toHaveProperty('backchannel_token_delivery_mode');
    // No key is sent to an IdP that will give the workstation a secret instead.
    expect(metadata.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(metadata).not.toHaveProperty('jwks');
    expect(offer.dpop).toBe(false);
  });

  it('does not ask for CIBA when the grant is listed but there is no poll-mode backchannel endpoint', () => {
    expect(offerOf({ grant_types_supported: [CIBA_GRANT, 'password'] }).grants).toEqual(['password']);
    expect(
      offerOf({
        grant_types_supported: [CIBA_GRANT],
        backchannel_authentication_endpoint: 'https://idp/ciba',
        backchannel_token_delivery_modes_supported: ['push'],
      }).grants,
    ).toEqual([]);
  });

  it('without an authorization code grant, registers no redirect URI', () => {
    const metadata = registrationMetadata(
      offerOf({ grant_types_supported: ['password', 'refresh_token'] }),
      'n',
      PUBLIC_KEY,
      'k',
    );
    expect(metadata.response_types).toEqual([]);
    expect(metadata).not.toHaveProperty('redirect_uris');
  });

  it('follows RFC 8414 defaults when the document lists nothing', () => {
    const offer = offerOf({});
    expect(offer.grants).toEqual(['authorization_code']);
    expect(strongestAuthMethod(offer)).toBe('client_secret_basic');
    expect(
      strongestAuthMethod(offerOf({ token_endpoint_auth_methods_supported: ['tls_client_auth'] })),
    ).toBeNull();
  });
});
