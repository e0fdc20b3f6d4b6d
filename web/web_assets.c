/* web_assets.c: the console's style sheet (see web_assets.h). Plain CSS, print-friendly, with
 * the Japanese fonts Debian ships. */
#include "web_assets.h"

const char web_asset_style_css[] =
	"body{margin:0;font-family:\"IPAPGothic\",\"IPAexGothic\",\"Noto Sans CJK JP\",sans-serif;color:#222;background:#f6f7f9}\n"
	"header{display:flex;gap:1.2em;align-items:center;padding:.6em 1.2em;background:#1d3a5f;color:#fff}\n"
	"header a{color:#fff}\n"
	"header .product{font-weight:bold;margin-right:auto}\n"
	"nav{padding:.4em 1.2em;background:#dfe6ef}\n"
	"nav a{margin-right:1.2em}\n"
	"main{padding:1em 1.5em;max-width:75em}\n"
	"h1{font-size:1.4em}\n"
	"h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #aab;padding-bottom:.2em}\n"
	"table{border-collapse:collapse;background:#fff;margin:.4em 0}\n"
	"th,td{border:1px solid #bbc;padding:.25em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#eef1f5;font-weight:normal}\n"
	".inline{display:inline;margin:0}\n"
	".error{color:#a00;font-weight:bold}\n"
	".ok{color:#060;font-weight:bold}\n"
	".overdue{color:#a00}\n"
	".hash{font-family:monospace;word-break:break-all}\n"
	"form.login{background:#fff;padding:1em 1.5em;border:1px solid #bbc;max-width:26em}\n"
	"form.login label{display:block;margin:.6em 0 .2em}\n"
	"form.login input{width:100%;box-sizing:border-box;padding:.3em}\n"
	"button{margin-top:.8em;padding:.3em 1.2em}\n"
	"@media print{header,nav,form{display:none}body{background:#fff}}\n";
