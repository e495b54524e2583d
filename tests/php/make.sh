#!/usr/bin/env bash
# Writes tests/golden/php_*.txt: each case of fixtures.php as PHP 8 prints it plainly
# (xdebug.mode=off) and with Xdebug 3 (xdebug.mode=develop). Needs php-cli and php-xdebug
# (Debian packages); the tests need only the files it writes. Then, from the repository root:
# NEWSCLEAN_REGEN_GOLDEN=1 pytest tests/test_golden.py -k php_, and review the diff.
set -euo pipefail
cd "$(dirname "$0")"
golden=../golden
plain=(plain_string title_holds_title_key title_holds_id_key json_encode array array_mixed_values
       array_title_line_break objects_typed float odd_values string_with_nul long_string deep_array
       title_holds_a_dump array_title_holds_a_dump array_keys_with_line_breaks unicode_digits
       array_unicode_digits json_encode_keyed_by_id cut_inside_a_character)
xdebug=(plain_string array array_mixed_values array_title_line_break objects_typed float odd_values
        string_with_nul long_string deep_array title_holds_a_dump array_title_holds_a_dump
        array_keys_with_line_breaks array_unicode_digits)
for case in "${plain[@]}"; do
    php -d xdebug.mode=off fixtures.php "$case" > "$golden/php_$case.txt"
done
for case in "${xdebug[@]}"; do
    php -d xdebug.mode=develop -d xdebug.cli_color=0 fixtures.php "$case" > "$golden/php_xdebug_$case.txt"
done
# Xdebug's prefix for a script without .php, and for eval()'d code.
mkdir -p bin && cp fixtures.php bin/scrape
php -d xdebug.mode=develop -d xdebug.cli_color=0 bin/scrape array > "$golden/php_xdebug_no_php_extension.txt"
rm -r bin
php -d xdebug.mode=develop -d xdebug.cli_color=0 fixtures.php array eval > "$golden/php_xdebug_eval.txt"
# PHP's own messages: shown (plain and Xdebug), and logged to stderr merged into stdout.
# (Xdebug's call stacks show times: php_xdebug_diagnostics.txt differs in them at every run.)
php -d display_errors=1 -d log_errors=0 -d xdebug.mode=off diagnostics.php > "$golden/php_diagnostics.txt" || true
php -d display_errors=1 -d log_errors=0 -d xdebug.mode=develop -d xdebug.cli_color=0 diagnostics.php \
    > "$golden/php_xdebug_diagnostics.txt" || true
php -d display_errors=0 -d log_errors=1 -d error_log= -d xdebug.mode=develop diagnostics.php \
    > "$golden/php_logged_diagnostics.txt" 2>&1 || true
# Xdebug's colours (cli_color=2: always), read as if absent.
for case in plain_string array objects_typed; do
    php -d xdebug.mode=develop -d xdebug.cli_color=2 fixtures.php "$case" > "$golden/php_xdebug_colours_$case.txt"
done
# Every DateTimeInterface format as a dateline, twelve dumps back to back.
php -d xdebug.mode=off datelines.php > "$golden/php_datelines.txt"
# Xdebug's display limits: every item printed whole is kept (payload_truncated).
x="-d xdebug.mode=develop -d xdebug.cli_color=0"
php $x -d xdebug.var_display_max_data=20 fixtures.php middle_title_long > "$golden/php_xdebug_max_data.txt"
php $x -d xdebug.var_display_max_children=5 fixtures.php seven_items > "$golden/php_xdebug_max_children.txt"
php $x -d xdebug.var_display_max_depth=1 fixtures.php seven_items > "$golden/php_xdebug_max_depth.txt"
# PHP's other printers: serialize(), var_export(), an echo (or print_r) of the JSON string.
for case in serialize serialize_json serialize_mixed var_export var_export_json var_export_mixed print_r \
        print_r_mixed echo print_r_json; do
    php -d xdebug.mode=off printers.php "$case" > "$golden/php_printer_$case.txt"
done
