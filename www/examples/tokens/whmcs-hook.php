<?php
/**
 * WHMCS: the registrant's verification status on the domain details page.
 *
 * Copy to includes/hooks/registrant_verification.php, copy
 * whmcs-token.php beside WHMCS's index.php as registrant_verification_token.php,
 * and set, in configuration.php or the environment:
 *   GATEWAY_TOKEN_SECRET   the gateway's tokens.hs256_secret
 *   GATEWAY_URL            e.g. https://verify.example.com
 *
 * The page gets the element and the widget's files from the gateway
 * (`widget_dir` in its config; your panel's origin in its
 * `allowed_origins`). The element asks registrant_verification_token.php
 * for its token (`token-url`: same origin, with the client's session
 * cookie) when it loads, again shortly before the token expires and after
 * a 401, so a page left open keeps working; the token never goes into a
 * URL or an attribute. The contact id is the domain's, so the token names
 * exactly this domain's registrant.
 */

if (!function_exists('registrant_verification_token')) {
    /** An HS256 token for the gateway naming `$contacts`, valid `$ttl` seconds. */
    function registrant_verification_token(string $secret, string $sub, array $contacts, int $ttl = 600): string
    {
        if (strlen($secret) < 32) {
            throw new InvalidArgumentException('the gateway secret must be 32 bytes or more');
        }
        $b64 = static fn(string $s): string => rtrim(strtr(base64_encode($s), '+/', '-_'), '=');
        $now = time();
        $header = $b64(json_encode(['alg' => 'HS256', 'typ' => 'JWT']));
        $body = $b64(json_encode([
            'aud' => 'registrant-verification',
            'sub' => $sub,
            'role' => 'registrant',
            'iat' => $now,
            'exp' => $now + $ttl,
            'contacts' => $contacts,
        ], JSON_UNESCAPED_SLASHES));
        $signature = $b64(hash_hmac('sha256', "$header.$body", $secret, true));
        return "$header.$body.$signature";
    }
}

if (!function_exists('registrant_verification_provider')) {
    /** The gateway's provider for a WHMCS registrar module, or null. */
    function registrant_verification_provider(string $registrar): ?string
    {
        $providers = ['namecom' => 'namecom', 'openprovider' => 'openprovider', 'domainnameapi' => 'dna'];
        return $providers[strtolower($registrar)] ?? null;
    }
}

if (!function_exists('registrant_verification_domain_token')) {
    /**
     * The token for one domain's registrant. `$vars` are the domain's
     * (`domain`, `domainid`, `userid`, and the registrar module in
     * `registrar`); `$contact` is what your registrar module knows of the
     * registrant: `email`, and `handle` or `verificationId`.
     */
    function registrant_verification_domain_token(array $vars, array $contact, string $secret): ?string
    {
        $provider = registrant_verification_provider((string)($vars['registrar'] ?? ''));
        if ($provider === null) {
            return null;
        }
        $claim = array_filter([
            'id' => 'domain-' . (int)$vars['domainid'],
            'provider' => $provider,
            'email' => $contact['email'] ?? null,
            'handle' => $contact['handle'] ?? null,
            'verificationId' => $contact['verificationId'] ?? null,
            'domains' => [(string)$vars['domain']],
        ], static fn($v) => $v !== null);
        return registrant_verification_token($secret, 'client-' . (int)$vars['userid'], [$claim]);
    }
}

if (!function_exists('registrant_verification_element')) {
    /**
     * The element for one domain (`$vars` as above), its token from
     * `$tokenUrl` (registrant_verification_token.php, same origin).
     */
    function registrant_verification_element(array $vars, string $gateway, string $tokenUrl = 'registrant_verification_token.php'): string
    {
        $provider = registrant_verification_provider((string)($vars['registrar'] ?? ''));
        if ($provider === null || $gateway === '') {
            return '';
        }
        $id = 'domain-' . (int)$vars['domainid'];
        $h = static fn(string $s): string => htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
        $api = rtrim($gateway, '/') . '/api/' . $provider;
        $q = '?contact=' . rawurlencode($id);
        $token = $tokenUrl . (str_contains($tokenUrl, '?') ? '&' : '?') . 'domainid=' . (int)$vars['domainid'];
        return '<script type="module" crossorigin="anonymous" src="' . $h(rtrim($gateway, '/') . '/widget/define.js') . '"></script>'
            . '<registrant-verification id="' . $h($id) . '" provider="' . $h($provider) . '"'
            . ' status-url="' . $h("$api/status$q") . '" resend-url="' . $h("$api/resend$q") . '"'
            . ' token-url="' . $h($token) . '">'
            . '</registrant-verification>';
    }
}

if (!function_exists('registrant_verification_card')) {
    /**
     * The element for one domain with its card already in it: the
     * gateway's `/api/{provider}/card` renders the card the widget shows
     * (a declarative shadow root), so the status is in the page's first
     * paint, readable before (and without) JavaScript; the widget takes it
     * over when it loads, with its token from `$tokenUrl` as before.
     * `$contact` as for registrant_verification_domain_token(). Null when
     * the gateway does not answer within `$timeout` seconds, or answers
     * anything else (the caller then uses registrant_verification_element()).
     */
    function registrant_verification_card(array $vars, array $contact, string $gateway, string $secret, string $tokenUrl = 'registrant_verification_token.php', float $timeout = 2.0): ?string
    {
        $provider = registrant_verification_provider((string)($vars['registrar'] ?? ''));
        $token = $provider === null || $gateway === '' ? null : registrant_verification_domain_token($vars, $contact, $secret);
        if ($token === null) {
            return null;
        }
        $id = 'domain-' . (int)$vars['domainid'];
        $h = static fn(string $s): string => htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
        $api = rtrim($gateway, '/') . '/api/' . $provider;
        $q = '?contact=' . rawurlencode($id);
        $query = http_build_query(array_filter([
            'contact' => $id,
            'status-url' => "$api/status$q",
            'resend-url' => "$api/resend$q",
            'token-url' => $tokenUrl . (str_contains($tokenUrl, '?') ? '&' : '?') . 'domainid=' . (int)$vars['domainid'],
            // The client's language, when the page knows it (else the
            // token's, else English; the widget then speaks it too).
            'locale' => (string)($vars['language'] ?? ''),
        ], static fn(string $v): bool => $v !== ''), '', '&', PHP_QUERY_RFC3986);
        $context = stream_context_create(['http' => [
            'method' => 'GET',
            'header' => "Authorization: Bearer $token\r\nAccept: text/html\r\n",
            'timeout' => $timeout,
            'ignore_errors' => true,
        ]]);
        $html = @file_get_contents("$api/card?$query", false, $context);
        $status = isset($http_response_header[0]) ? (int)(explode(' ', $http_response_header[0])[1] ?? 0) : 0;
        $start = '<registrant-verification ';
        if ($status !== 200 || !is_string($html) || !str_starts_with($html, $start)) {
            return null;
        }
        return '<script type="module" crossorigin="anonymous" src="' . $h(rtrim($gateway, '/') . '/widget/define.js') . '"></script>'
            . $start . 'id="' . $h($id) . '" ' . substr($html, strlen($start));
    }
}

if (function_exists('add_hook')) {
    add_hook('ClientAreaDomainDetailsOutput', 1, function (array $vars) {
        $gateway = getenv('GATEWAY_URL') ?: '';
        // With your registrar module's registrant_verification_contact(),
        // the card comes rendered; without (or when the gateway is slow),
        // the element loads it in the browser.
        $card = function_exists('registrant_verification_contact')
            ? registrant_verification_card($vars, registrant_verification_contact($vars), $gateway, getenv('GATEWAY_TOKEN_SECRET') ?: '')
            : null;
        return $card ?? registrant_verification_element($vars, $gateway);
    });
}
