<?php
/**
 * WHMCS: the token endpoint of the registrant verification widget.
 *
 * Copy beside WHMCS's index.php as registrant_verification_token.php (the
 * hook, whmcs-hook.php, points the element's `token-url` here). The widget
 * GETs it with the client's session cookie when it loads, shortly before
 * the token expires, and after a 401:
 *
 *   GET registrant_verification_token.php?domainid=77
 *   200 {"token": "..."}       the logged-in client owns domain 77
 *   401 {"error": ...}         nobody is logged in
 *   404 {"error": ...}         no such domain of this client, or its
 *                              registrar is not served by the gateway
 *
 * Needs GATEWAY_TOKEN_SECRET (configuration.php or the environment) and
 * your registrar module's registrant_verification_contact($vars) (see the
 * hook).
 */

if (!defined('WHMCS')) {
    require_once __DIR__ . '/init.php';
}
if (!function_exists('registrant_verification_domain_token')) {
    require_once __DIR__ . '/includes/hooks/registrant_verification.php';
}

/** Answers `$status` with the JSON `$body`, never cached. */
function registrant_verification_answer(int $status, array $body): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    header('Cache-Control: no-store');
    echo json_encode($body, JSON_UNESCAPED_SLASHES);
}

$clientId = (int)($_SESSION['uid'] ?? 0);
$domainId = (int)($_GET['domainid'] ?? 0);
if ($clientId <= 0) {
    registrant_verification_answer(401, ['error' => 'unauthenticated', 'message' => 'Sign in to your account.']);
    return;
}
// Only a domain of this client: WHMCS's own API answers for its owner.
$found = localAPI('GetClientsDomains', ['clientid' => $clientId, 'domainid' => $domainId]);
$domain = ($found['result'] ?? '') === 'success' ? ($found['domains']['domain'][0] ?? null) : null;
if ($domainId <= 0 || !is_array($domain) || (int)($domain['userid'] ?? 0) !== $clientId) {
    registrant_verification_answer(404, ['error' => 'not_found', 'message' => 'No such domain in your account.']);
    return;
}
$vars = [
    'domain' => (string)$domain['domainname'],
    'domainid' => (int)$domain['id'],
    'userid' => $clientId,
    'registrar' => (string)($domain['registrar'] ?? ''),
];
$contact = function_exists('registrant_verification_contact') ? registrant_verification_contact($vars) : [];
$token = registrant_verification_domain_token($vars, $contact, getenv('GATEWAY_TOKEN_SECRET') ?: '');
if ($token === null) {
    registrant_verification_answer(404, ['error' => 'not_found', 'message' => 'This domain\'s registrar is not served.']);
    return;
}
registrant_verification_answer(200, ['token' => $token]);
