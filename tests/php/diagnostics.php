<?php
// Prints two dumps back to back with PHP's own messages where a scraper's output gets them:
// before the first headline, in a body, after a payload, between the dumps, and an uncaught
// exception at the end. Run by make.sh with display_errors on (plain, and with Xdebug) and with
// the messages logged to stderr merged into stdout (`PHP Warning:  ...`).

function dump_header(string $headline): void {
    echo "$headline\n\n$headline\nTue Oct 25, 2016 21:36:02\n\nThe first paragraph.\n\n";
}

function fail(): void { throw new RuntimeException("feed unreachable"); }

echo $before_anything;
dump_header("First story");
$row = [];
echo $row["views"];
echo "The second paragraph.\n\n\n";
var_dump('[{"id":"1","sort":"2","contenttypeid":"21","pic":"/a.jpg","title":"One"} ]');
trigger_error("slow feed", E_USER_NOTICE);
dump_header("Second story");
trigger_error("old API", E_USER_DEPRECATED);
var_dump('[{"id":"3","sort":"4","contenttypeid":"21","pic":"/b.jpg","title":"Two"} ]');
fail();
