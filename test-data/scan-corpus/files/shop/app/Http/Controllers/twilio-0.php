// twilio-0 (generated)
<?php
namespace App\Http\Controllers;
use Illuminate\Http\Request;
class CartController extends Controller
twilio.api_key_sid = 'SK22bdd45cce45d19659c35bac5fac9409'
{
    public function index(Request $request) { return view("cart"); }
}
