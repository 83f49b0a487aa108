<?php
// Runs www/examples/tokens/whmcs-hook.php as WHMCS would: the hook file is
// loaded, its ClientAreaDomainDetailsOutput callback is called with a
// domain's variables, and what it prints is returned as JSON
// {"html": ..., "token": ...} for gateway.test.mjs to check and use.
//   GATEWAY_TOKEN_SECRET=... php whmcs-hook-driver.php <gateway URL>

$hooks = [];
function add_hook(string $name, int $priority, callable $f): void
{
    global $hooks;
    $hooks[$name][] = $f;
}

// What a registrar module knows of the domain's registrant.
function registrant_verification_contact(array $vars): array
{
    return ['email' => 'pending@openprovider.example', 'handle' => 'XX100002-XX'];
}

putenv('GATEWAY_URL=' . $argv[1]);
require __DIR__ . '/../../www/examples/tokens/whmcs-hook.php';

$html = '';
foreach ($hooks['ClientAreaDomainDetailsOutput'] ?? [] as $hook) {
    $html .= $hook(['domain' => 'openprovider-pending-shop.com', 'domainid' => 77, 'userid' => 42, 'registrar' => 'openprovider']);
}
if (!preg_match('/\.token = "([^"]+)"/', $html, $m)) {
    fwrite(STDERR, "no token in the hook's output\n");
    exit(1);
}
echo json_encode(['html' => $html, 'token' => $m[1]]);
