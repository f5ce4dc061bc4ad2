#!/usr/bin/env bash
# A real WordPress (Debian `wordpress` + php-cli, with the MariaDB on 127.0.0.1:3306) for the wordpress
# tests and the publish benchmark.
#   scripts/services/wordpress.sh start DIR   install into DIR if new (fresh database, admin user, an
#                                             Application Password written to DIR/app-password), then
#                                             serve on 127.0.0.1:${ITA_WP_PORT:-8091} with `php -S`
#                                             (own process group); a second start is a no-op
#   scripts/services/wordpress.sh stop DIR    stop the server (site and database are kept for a restart)
#   scripts/services/wordpress.sh drop DIR    stop, then drop the database and DIR
# DIR holds wp-content (uploads, a minimal theme), the router and logs.  While a file DIR/fail exists,
# the site answers every request with 503 (for tests of a site that answers errors).  The host config goes to
# /etc/wordpress/config-<name>.php (Debian's wp-config picks it through WORDPRESS_CONFIG, set by the
# router), so nothing of an existing WordPress on the machine is touched.
set -euo pipefail
cmd=${1:?start|stop|drop}
dir=${2:?state directory}
port=${ITA_WP_PORT:-8091}
db=${ITA_WP_DB:-ita_wp_test}
db_host=${ITA_WP_DB_HOST:-127.0.0.1}
db_port=${ITA_WP_DB_PORT:-3306}
name=ita-monitor-test-$port
wp=/usr/share/wordpress
url=http://127.0.0.1:$port
# SQL through php-mysql (no database client needed): sql "STATEMENT"
sql() {
  php -r '$db = new mysqli($argv[1], "root", "", "", (int) $argv[2]);
          if (!$db->query($argv[3])) { fwrite(STDERR, $db->error . "\n"); exit(1); }' \
    "$db_host" "$db_port" "$1"
}

running() { [ -f "$dir/php.pid" ] && kill -0 -- "-$(cat "$dir/php.pid")" 2>/dev/null; }

stop() {
  if [ -f "$dir/php.pid" ]; then
    pid=$(cat "$dir/php.pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/php.pid"
  fi
}

write_files() {
  mkdir -p "$dir/wp-content/uploads" "$dir/wp-content/themes/ita-test" "$dir/wp-content/plugins"
  [ -f "$dir/salt" ] || head -c 48 /dev/urandom | base64 | tr -d '/+=\n' > "$dir/salt"
  salt=$(cat "$dir/salt")
  cat > "/etc/wordpress/config-$name.php" <<PHP
<?php
// Written by ita-monitor scripts/services/wordpress.sh for tests; removed by 'drop'.
define('DB_NAME', '$db');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '$db_host:$db_port');
define('WP_HOME', '$url');
define('WP_SITEURL', '$url');
define('WP_CONTENT_DIR', '$dir/wp-content');
define('WP_CONTENT_URL', '$url/wp-content');
define('WP_DEFAULT_THEME', 'ita-test');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT',
          'LOGGED_IN_SALT', 'NONCE_SALT'] as \$k) { define(\$k, \$k . '$salt'); }
PHP
  # A minimal theme: the page's title and content, nothing else (the agency's real site has its own).
  printf '/*\nTheme Name: ita-test\n*/\n' > "$dir/wp-content/themes/ita-test/style.css"
  cat > "$dir/wp-content/themes/ita-test/index.php" <<'PHP'
<!DOCTYPE html><html><head><meta charset="utf-8"><title><?php wp_title(); ?></title></head><body>
<?php while (have_posts()) { the_post(); the_title('<h1>', '</h1>'); the_content(); } ?>
</body></html>
PHP
  cat > "$dir/router.php" <<PHP
<?php
// php -S router: Debian's WordPress with this test site's config and wp-content.
\$_SERVER['WORDPRESS_CONFIG'] = '$name';
// Fault injection for tests: while DIR/fail exists every request answers 503, as a broken site would.
if (file_exists('$dir/fail')) { http_response_code(503); echo 'Service Unavailable (test fault)'; return true; }
\$path = rawurldecode(parse_url(\$_SERVER['REQUEST_URI'], PHP_URL_PATH));
if (strncmp(\$path, '/wp-content/', 12) === 0) {
    \$file = realpath('$dir' . \$path);
    if (\$file === false || strncmp(\$file, '$dir/wp-content/', strlen('$dir/wp-content/')) !== 0
        || !is_file(\$file) || substr(\$file, -4) === '.php') {
        http_response_code(404); echo 'not found'; return true;
    }
    \$types = ['pdf' => 'application/pdf', 'css' => 'text/css', 'js' => 'text/javascript',
               'png' => 'image/png', 'jpg' => 'image/jpeg', 'csv' => 'text/csv', 'html' => 'text/html'];
    header('Content-Type: ' . (\$types[strtolower(pathinfo(\$file, PATHINFO_EXTENSION))] ?? 'application/octet-stream'));
    header('Content-Length: ' . filesize(\$file));
    readfile(\$file);
    return true;
}
\$file = '$wp' . \$path;
if (is_dir(\$file)) { \$file = rtrim(\$file, '/') . '/index.php'; }
if (!is_file(\$file)) { \$file = '$wp/index.php'; }
if (substr(\$file, -4) !== '.php') { return false; }
\$_SERVER['SCRIPT_FILENAME'] = \$file;
\$_SERVER['SCRIPT_NAME'] = \$_SERVER['PHP_SELF'] = substr(\$file, strlen('$wp'));
chdir(dirname(\$file));
require \$file;
PHP
  cat > "$dir/app-password.php" <<PHP
<?php
// Creates (or renews) the Application Password 'ita-monitor' of the admin and prints it.
\$_SERVER['WORDPRESS_CONFIG'] = '$name';
\$_SERVER['HTTP_HOST'] = '127.0.0.1:$port';
define('WP_USE_THEMES', false);
require '$wp/wp-load.php';
\$user = get_user_by('login', 'ita-admin');
foreach (WP_Application_Passwords::get_user_application_passwords(\$user->ID) as \$p) {
    if (\$p['name'] === 'ita-monitor') { WP_Application_Passwords::delete_application_password(\$user->ID, \$p['uuid']); }
}
\$made = WP_Application_Passwords::create_new_application_password(\$user->ID, ['name' => 'ita-monitor']);
if (is_wp_error(\$made)) { fwrite(STDERR, \$made->get_error_message() . "\n"); exit(1); }
echo \$made[0];
PHP
}

wait_up() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$url/wp-includes/images/blank.gif" && return 0
    running || break
    sleep 0.1
  done
  cat "$dir/php.log" >&2
  echo "wordpress.sh: php -S did not answer on $url" >&2
  exit 1
}

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  running && exit 0
  command -v php >/dev/null && command -v curl >/dev/null && [ -f "$wp/wp-settings.php" ] \
    || { echo "wordpress.sh: needs Debian packages wordpress php-cli php-mysql curl" >&2; exit 1; }
  write_files
  if [ ! -f "$dir/installed" ]; then
    sql "DROP DATABASE IF EXISTS \`$db\`"
    sql "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"
  fi
  # Several workers: WordPress calls itself during install.
  PHP_CLI_SERVER_WORKERS=4 setsid php -d upload_max_filesize=64M -d post_max_size=64M \
    -d memory_limit=256M -d display_errors=0 -S "127.0.0.1:$port" -t "$wp" "$dir/router.php" \
    > "$dir/php.log" 2>&1 < /dev/null &
  echo $! > "$dir/php.pid"
  wait_up
  if [ ! -f "$dir/installed" ]; then
    curl -sf -o /dev/null "$url/wp-admin/install.php?step=2" \
      --data-urlencode "weblog_title=ita-monitor test site" --data-urlencode "user_name=ita-admin" \
      --data-urlencode "admin_password=ita-admin-Passw0rd" --data-urlencode "admin_password2=ita-admin-Passw0rd" \
      --data-urlencode "pw_weak=1" --data-urlencode "admin_email=admin@example.invalid" \
      --data-urlencode "blog_public=0" --data-urlencode "language=" \
      || { cat "$dir/php.log" >&2; echo "wordpress.sh: install failed" >&2; exit 1; }
    (umask 077 && php "$dir/app-password.php" > "$dir/app-password")
    touch "$dir/installed"
  fi
  ;;
stop)
  stop
  ;;
drop)
  stop
  sql "DROP DATABASE IF EXISTS \`$db\`" || true
  rm -f "/etc/wordpress/config-$name.php"
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop|drop DIR" >&2; exit 2 ;;
esac
