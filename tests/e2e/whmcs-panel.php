<?php
// A WHMCS client area in miniature, for `php -S 127.0.0.1:PORT whmcs-panel.php`
// (gateway.test.mjs): WHMCS's pieces the examples use (the `WHMCS`
// constant, the client's session, localAPI's GetClientsDomains, the
// registrar module's contact) stand in, and the examples run unchanged:
//   /                                    the domain details page: what the
//                                        hook (www/examples/tokens/whmcs-hook.php)
//                                        adds for domain 77, in a page
//   /registrant_verification_token.php   www/examples/tokens/whmcs-token.php
// The client is signed in by the cookie `uid` (set by `/`).
// Environment: GATEWAY_URL, GATEWAY_TOKEN_SECRET.

define('WHMCS', true);
$_SESSION = ['uid' => (int)($_COOKIE['uid'] ?? 0)];

/** WHMCS's internal API: the client's own domains only. */
function localAPI(string $command, array $params): array
{
    $domains = [
        77 => ['id' => 77, 'userid' => 42, 'domainname' => 'openprovider-pending-shop.com', 'registrar' => 'openprovider'],
        78 => ['id' => 78, 'userid' => 43, 'domainname' => 'someone-elses-shop.com', 'registrar' => 'openprovider'],
    ];
    if ($command !== 'GetClientsDomains') {
        return ['result' => 'error', 'message' => "unexpected $command"];
    }
    $d = $domains[(int)$params['domainid']] ?? null;
    $mine = $d !== null && $d['userid'] === (int)$params['clientid'];
    return ['result' => 'success', 'totalresults' => $mine ? 1 : 0, 'domains' => $mine ? ['domain' => [$d]] : []];
}

// What a registrar module knows of the domain's registrant.
function registrant_verification_contact(array $vars): array
{
    return ['email' => 'pending@openprovider.example', 'handle' => 'XX100002-XX'];
}

$hooks = [];
function add_hook(string $name, int $priority, callable $f): void
{
    global $hooks;
    $hooks[$name][] = $f;
}
require __DIR__ . '/../../www/examples/tokens/whmcs-hook.php';

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path === '/registrant_verification_token.php') {
    require __DIR__ . '/../../www/examples/tokens/whmcs-token.php';
    return true;
}
if ($path === '/') {
    setcookie('uid', '42', ['path' => '/', 'httponly' => true, 'samesite' => 'Lax']);
    $html = '';
    foreach ($hooks['ClientAreaDomainDetailsOutput'] ?? [] as $hook) {
        $html .= $hook(['domain' => 'openprovider-pending-shop.com', 'domainid' => 77, 'userid' => 42, 'registrar' => 'openprovider']);
    }
    header('Content-Type: text/html; charset=utf-8');
    echo "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Domain details</title>"
        . "<link rel=\"icon\" href=\"data:,\"></head><body><main><h1>openprovider-pending-shop.com</h1>"
        . $html . "</main></body></html>";
    return true;
}
http_response_code(404);
return true;
