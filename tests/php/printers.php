<?php
// Prints a dump whose payload another of PHP's printers wrote: serialize(), var_export(), and an
// echo of the JSON string; the case is the first argument. Titles hold quotes, backslashes, line
// breaks and a whole dump header: each printer's own grammar (lengths, escapes) says where they end.
enum Suit: string { case Hearts = 'H'; }
class Related {
    public string $id = "1877310"; public string $sort = "3650710"; protected ?int $views = null;
    public string $contenttypeid = "21"; public string $pic = "/pics/obj.jpg";
    private float $score = 0.5; public string $title = "An object";
}
const FAKE_DUMP = "Fake header\n\nHeadline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\nbody";
function item(int $n, string $title): array {
    return ["id" => (string)(1877300 + $n), "sort" => (string)(3650700 + $n),
            "contenttypeid" => "21", "pic" => "/pics/photo.jpg", "title" => $title];
}
$items = [item(1, 'It\'s "quoted" \\ slash'), item(2, "Two\nlines"), item(3, FAKE_DUMP)];
$json = '[{"id":"1877301","sort":"3650701","contenttypeid":"21","pic":"/pics/photo.jpg","title":"Echoed"} ,'
      . '{"id":"1877302","sort":"3650702","contenttypeid":"21","pic":"/pics/photo.jpg","title":"Second"} ]';
$mixed = [item(1, "Kept"), new Related(), (object)item(4, "Std object"), Suit::Hearts, 1.5, null];
echo "Printed by $argv[1]\n\nPrinted by $argv[1]\nTue Oct 25, 2016 21:36:02\n\nA paragraph.\n\n";
match ($argv[1]) {
    "serialize" => print(serialize($items)),
    "serialize_json" => print(serialize($json)),
    "serialize_mixed" => print(serialize($mixed)),
    "var_export" => var_export($items),
    "var_export_json" => var_export($json),
    "var_export_mixed" => var_export($mixed),
    "print_r" => print_r($items),
    "print_r_mixed" => print_r($mixed),
    "echo" => print($json),
    "print_r_json" => print_r($json),
};
