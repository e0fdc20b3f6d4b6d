/* web_assets: the console's style sheet, compiled into the binary (no file to install, no CDN). */
#ifndef RMGATE_WEB_ASSETS_H
#define RMGATE_WEB_ASSETS_H

extern const char web_asset_style_css[];

#endif
