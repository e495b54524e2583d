<?php
// Prints one dump per DateTimeInterface format constant, back to back, each dated by PHP in
// the zone given (default America/New_York: an offset and a zone abbreviation that name one).
$when = new DateTimeImmutable("2016-10-25 21:36:02", new DateTimeZone($argv[1] ?? "America/New_York"));
$formats = ["ATOM", "COOKIE", "RFC822", "RFC850", "RFC1036", "RFC1123", "RFC7231", "RFC2822",
            "RFC3339", "RFC3339_EXTENDED", "RSS", "W3C"];
foreach ($formats as $name) {
    $dateline = $when->format(constant("DateTimeInterface::$name"));
    echo "Dated $name\n\nDated $name\n$dateline\n\nA paragraph.\n\n";
    var_dump('[{"id":"1","sort":"2","contenttypeid":"21","pic":"/a.jpg","title":"' . $name . '"} ]');
}
