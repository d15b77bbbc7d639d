// fcm-2 (generated)
package io.acme.shop
import android.app.Application
import okhttp3.OkHttpClient
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        val client = OkHttpClient.Builder().build()
    }
}
data class Product(val sku: String, val priceCents: Long)
const val FCM_SERVER = "AAAAOVBXRaL:APA91bvGnmUJxAaLLwWZhSv2sFBw_iOJ_DjkqhPTNlm3vSLdq0C9TcviB3eEdZDH0OqSlPrBdFvosJKhRiMlcBEfWF2_OoaMZGEp9A9F-phl-PUOElyR8IUmtDDqeAa59fomMw6HFqLh"
val apiKeyHeader = "X-Api-Key"
