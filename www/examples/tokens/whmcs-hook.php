<?php
/**
 * WHMCS: the registrant's verification status on the domain details page.
 *
 * Copy to includes/hooks/registrant_verification.php and set, in
 * configuration.php or the environment:
 *   GATEWAY_TOKEN_SECRET   the gateway's tokens.hs256_secret
 *   GATEWAY_URL            e.g. https://verify.example.com
 *
 * The page gets the element with its token set by a script (property only:
 * the token never goes into a URL or an attribute) and the widget's files
 * from the gateway (`widget_dir` in its config). The contact id is the
 * domain's, so the token names exactly this domain's registrant.
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

if (!function_exists('registrant_verification_element')) {
    /**
     * The element for one domain. `$vars` are WHMCS's hook variables
     * (`domain`, `domainid`, `userid`, and the registrar module in
     * `registrar`); `$contact` is what your registrar module knows of the
     * registrant: `email`, and `handle` or `verificationId`.
     */
    function registrant_verification_element(array $vars, array $contact, string $gateway, string $secret): string
    {
        $providers = ['namecom' => 'namecom', 'openprovider' => 'openprovider', 'domainnameapi' => 'dna'];
        $provider = $providers[strtolower((string)($vars['registrar'] ?? ''))] ?? null;
        if ($provider === null) {
            return '';
        }
        $id = 'domain-' . (int)$vars['domainid'];
        $claim = array_filter([
            'id' => $id,
            'provider' => $provider,
            'email' => $contact['email'] ?? null,
            'handle' => $contact['handle'] ?? null,
            'verificationId' => $contact['verificationId'] ?? null,
            'domains' => [(string)$vars['domain']],
        ], static fn($v) => $v !== null);
        $token = registrant_verification_token($secret, 'client-' . (int)$vars['userid'], [$claim]);
        $h = static fn(string $s): string => htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
        $api = rtrim($gateway, '/') . '/api/' . $provider;
        $q = '?contact=' . rawurlencode($id);
        return '<script type="module" src="' . $h(rtrim($gateway, '/') . '/widget/define.js') . '"></script>'
            . '<registrant-verification id="' . $h($id) . '" provider="' . $h($provider) . '"'
            . ' status-url="' . $h("$api/status$q") . '" resend-url="' . $h("$api/resend$q") . '">'
            . '</registrant-verification>'
            . '<script>document.getElementById(' . json_encode($id) . ').token = '
            . json_encode($token, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT) . ';</script>';
    }
}

if (function_exists('add_hook')) {
    add_hook('ClientAreaDomainDetailsOutput', 1, function (array $vars) {
        // Your registrar module's registrant contact for this domain.
        $contact = function_exists('registrant_verification_contact')
            ? registrant_verification_contact($vars)
            : [];
        return registrant_verification_element(
            $vars,
            $contact,
            getenv('GATEWAY_URL') ?: '',
            getenv('GATEWAY_TOKEN_SECRET') ?: ''
        );
    });
}
